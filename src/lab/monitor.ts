/**
 * `lab up --monitor`: the roles run Debian's exporters on every director and
 * backend (their metrics variables, set in the lab's inventory), and Debian's
 * Prometheus runs on the lab's client, scraping them, with hapb's recording
 * rules. Prometheus listens on the client's lab address only: it is reachable
 * from inside the lab, never from the box's own network.
 *
 * The config and the rules are pure functions of the lab (unit-tested);
 * `startMonitor` writes them into the client, checks them with Debian's
 * promtool there, and (re)starts prometheus.service.
 */
import { stringify } from 'yaml';
import { LabError } from './errors.js';
import { execIn } from './exec.js';
import { loadLab, type LabState } from './state.js';

export const NODE_EXPORTER_PORT = 9100;
export const NGINX_EXPORTER_PORT = 9113;
/** mtail: nginx's answers by status from its access log */
export const MTAIL_PORT = 3903;
export const PROMETHEUS_PORT = 9090;
/** the loopback port of nginx's stub_status on directors and backends */
export const STUB_STATUS_PORT = 8080;
/** where keepalived's notify script writes the VRRP state for node exporter's textfile collector */
export const VRRP_TEXTFILE = '/var/lib/prometheus/node-exporter/keepalived.prom';
export const PROMETHEUS_CONFIG = '/etc/prometheus/prometheus.yml';
export const PROMETHEUS_RULES = '/etc/prometheus/hapb-rules.yml';
/** the lab scrapes often: a drill scenario lasts seconds, not hours */
export const SCRAPE_INTERVAL = '5s';

export type TargetRole = 'director' | 'backend';

export interface MonitorTarget {
  host: string;
  address: string;
  role: TargetRole;
}

/** the groups a lab's machines belong to (the seed inventory's names) */
export const MONITOR_GROUPS = { directors: 'directors', backends: 'web', clients: 'clients' } as const;

/**
 * What the roles need to run the exporters; the lab's inventory gets these in
 * all.vars. Ports and paths are the roles' defaults (the constants above
 * equal them: test/unit/lab-monitor.test.ts), as a user turning metrics on
 * gets them.
 */
export function monitorVars(): Record<string, string | number | boolean> {
  return {
    nginx_director_metrics: true,
    web_backend_metrics: true,
    keepalived_metrics_textfile: VRRP_TEXTFILE,
  };
}

/** every director and backend of the lab, in inventory order */
export function monitorTargets(machines: Pick<LabState['machines'][number], 'host' | 'address' | 'groups'>[]): MonitorTarget[] {
  const out: MonitorTarget[] = [];
  for (const m of machines) {
    if (m.groups.includes(MONITOR_GROUPS.directors)) out.push({ host: m.host, address: m.address, role: 'director' });
    else if (m.groups.includes(MONITOR_GROUPS.backends)) out.push({ host: m.host, address: m.address, role: 'backend' });
  }
  return out;
}

/** the machine Prometheus runs on: the first of group clients */
export function monitorHost<M extends Pick<LabState['machines'][number], 'host' | 'address' | 'groups'>>(state: { name: string; machines: M[] }): M {
  const client = state.machines.find((m) => m.groups.includes(MONITOR_GROUPS.clients));
  if (!client) {
    throw new LabError(`lab ${state.name} has no host in group ${MONITOR_GROUPS.clients} to run Prometheus on`, {
      hint: 'add a client host to the inventory (like inventory/seed.yml), or leave out --monitor',
    });
  }
  return client;
}

/**
 * prometheus.yml: one job per exporter kind, every target labelled with its
 * inventory name (`host`) and `role`. The VRRP textfile's own `instance` label
 * (keepalived's instance name) collides with Prometheus' target label, so
 * Prometheus stores it as `exported_instance`; it is renamed `vrrp_instance`.
 */
export function prometheusConfig(targets: MonitorTarget[], rulesFile = PROMETHEUS_RULES): string {
  const staticConfigs = (port: number): unknown[] =>
    targets.map((t) => ({ targets: [`${t.address}:${port}`], labels: { host: t.host, role: t.role } }));
  const config = {
    global: { scrape_interval: SCRAPE_INTERVAL, scrape_timeout: '4s', evaluation_interval: SCRAPE_INTERVAL },
    rule_files: [rulesFile],
    scrape_configs: [
      {
        job_name: 'node',
        static_configs: staticConfigs(NODE_EXPORTER_PORT),
        metric_relabel_configs: [
          { source_labels: ['exported_instance'], regex: '(.+)', target_label: 'vrrp_instance', replacement: '$1', action: 'replace' },
          { regex: 'exported_instance', action: 'labeldrop' },
        ],
      },
      { job_name: 'nginx', static_configs: staticConfigs(NGINX_EXPORTER_PORT) },
      { job_name: 'mtail', static_configs: staticConfigs(MTAIL_PORT) },
    ],
  };
  return `# Written by hapb lab up --monitor: every exporter of the lab.\n${stringify(config, { lineWidth: 0 })}`;
}

export interface RecordingRule {
  record: string;
  expr: string;
  /** what it means, for the rules file's comments and docs/metrics.md */
  help: string;
}

/**
 * hapb's recording rules. nginx's stub_status counts requests, connections
 * accepted and handled, but no status codes: the 5xx rate comes from mtail,
 * which counts the answers by status in nginx's access log
 * (nginx_http_responses_total{status}, docs/metrics.md). The 5xx rules read
 * its unlabelled nginx_http_5xx_responses_total: it exists at 0 from the
 * start, where a status's series starts with its first answer, too late for
 * rate() to see that first increase.
 */
export const RECORDING_RULES: readonly RecordingRule[] = [
  {
    record: 'hapb:nginx_requests:rate1m',
    expr: 'sum by (host, role) (rate(nginx_http_requests_total[1m]))',
    help: 'requests/s each nginx serves (health checks and scrapes of its stub_status included)',
  },
  {
    record: 'hapb:front_requests:rate1m',
    expr: 'sum(rate(nginx_http_requests_total{role="director"}[1m]))',
    help: 'requests/s the directors serve together: the front',
  },
  {
    record: 'hapb:nginx_5xx:rate1m',
    expr: 'sum by (host, role) (rate(nginx_http_5xx_responses_total[1m]))',
    help: "answers/s with a 5xx status each nginx logged (mtail, from the access log)",
  },
  {
    record: 'hapb:front_5xx:rate1m',
    expr: 'sum(hapb:nginx_5xx:rate1m{role="director"})',
    help: 'answers/s with a 5xx status the directors gave the clients',
  },
  {
    record: 'hapb:nginx_dropped_connections:rate1m',
    expr: 'sum by (host, role) (rate(nginx_connections_accepted[1m]) - rate(nginx_connections_handled[1m]))',
    help: 'connections/s nginx accepted but could not handle (worker_connections or file limits hit)',
  },
  {
    record: 'hapb:vrrp_master',
    expr: 'keepalived_vrrp_state == bool 2',
    help: '1 where a director is VRRP master of an instance (holds its VIP), else 0',
  },
  {
    record: 'hapb:vip_holder',
    expr: 'hapb:vrrp_master == 1',
    help: 'one series per (instance, director holding its VIP): the VIP holder, in label host',
  },
  {
    record: 'hapb:vip_holders:count',
    expr: 'sum by (vrrp_instance) (hapb:vrrp_master)',
    help: 'directors holding each VIP: 1 healthy, 0 nobody, 2 split brain',
  },
];

/** the rules file Prometheus reads (rule_files) */
export function prometheusRules(rules: readonly RecordingRule[] = RECORDING_RULES): string {
  const lines = ['# Written by hapb lab up --monitor: hapb\'s recording rules (docs/metrics.md).', 'groups:', '  - name: hapb', '    rules:'];
  for (const r of rules) {
    lines.push(`      # ${r.help}`, `      - record: ${r.record}`, `        expr: ${JSON.stringify(r.expr)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** /etc/default/prometheus (ARGS= for Debian's unit): the client's lab address only */
export function prometheusDefaults(listenAddress: string): string {
  const args = [
    `--web.listen-address=${listenAddress}:${PROMETHEUS_PORT}`,
    `--config.file=${PROMETHEUS_CONFIG}`,
    '--storage.tsdb.retention.time=2d',
  ];
  return `# Written by hapb lab up --monitor: Prometheus on the lab's address only.\nARGS="${args.join(' ')}"\n`;
}

/** Prometheus' URL inside the lab (reach it from a lab machine, e.g. `hapb lab exec client -- curl ...`) */
export function prometheusUrl(state: Pick<LabState, 'name' | 'machines'>): string {
  return `http://${monitorHost(state).address}:${PROMETHEUS_PORT}`;
}

/**
 * Write Prometheus' files into the lab's client, check them with promtool
 * there, then (re)start prometheus.service. Returns Prometheus' URL (inside
 * the lab).
 */
export async function startMonitor(name: string, onProgress: (line: string) => void = (): void => undefined): Promise<string> {
  const state = loadLab(name);
  const client = monitorHost(state);
  const targets = monitorTargets(state.machines);
  const files: [string, string][] = [
    [PROMETHEUS_CONFIG, prometheusConfig(targets)],
    [PROMETHEUS_RULES, prometheusRules()],
    ['/etc/default/prometheus', prometheusDefaults(client.address)],
  ];
  onProgress(`Prometheus on ${client.host}: ${targets.length} hosts, ${targets.length * 3} exporters`);
  for (const [path, text] of files) {
    // through the running machine (its own view of its root), readable by user prometheus
    const w = await execIn(name, client.host, ['sh', '-c', 'umask 022 && mkdir -p "$(dirname "$1")" && cat > "$1.tmp" && mv -f "$1.tmp" "$1"', 'sh', path], { input: text });
    if (w.rc !== 0) throw new LabError(`cannot write ${path} on ${client.host}: ${w.stderr.trim()}`);
  }
  const check = await execIn(name, client.host, ['promtool', 'check', 'config', PROMETHEUS_CONFIG]);
  if (check.rc !== 0) throw new LabError(`promtool refused the lab's Prometheus config: ${(check.stderr || check.stdout).trim()}`);
  const restart = await execIn(name, client.host, ['sh', '-c', 'systemctl enable prometheus.service 2>/dev/null && systemctl restart prometheus.service']);
  if (restart.rc !== 0) throw new LabError(`prometheus did not start on ${client.host}: ${restart.stderr.trim()}`, { hint: `hapb lab exec --name ${name} ${client.host} -- journalctl -u prometheus` });
  // Type=simple: started is not listening yet (its TSDB opens first); wait for /-/ready, from inside the client
  const url = prometheusUrl(state);
  const until = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const ready = await execIn(name, client.host, ['curl', '-sf', '-o', '/dev/null', '--max-time', '2', `${url}/-/ready`]);
    if (ready.rc === 0) break;
    if (Date.now() > until) {
      throw new LabError(`Prometheus on ${client.host} is not ready after ${READY_TIMEOUT_MS / 1000} s`, { hint: `hapb lab exec --name ${name} ${client.host} -- journalctl -u prometheus` });
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  onProgress(`Prometheus ready at ${url} (inside the lab)`);
  return url;
}

const READY_TIMEOUT_MS = 90_000;

/**
 * The faults a drill may make on real hosts, each as the shell that makes it
 * and the shell that undoes it, run over hapb's connection (SSH). Nothing else
 * is ever injected: the cluster control refuses any other command.
 *
 * Every fault is armed first with a dead-man timer on the host itself
 * (`systemd-run --on-active=`), which runs the undo if the controller
 * disappears before it undoes the fault. No fault touches TCP port 22: the
 * partition drops only VRRP (IP protocol 112) between the directors, the lossy
 * link lets SSH through untouched, the broken and slow backends redirect only
 * the web port. So hapb's own SSH path is never cut.
 */
import { shellQuote } from '../../connection/command.js';
import { NGINX_CGROUP_SH, WAIT_CGROUP_EMPTY_SH } from '../scenarios/steps.js';

export const FAULT_KINDS = [
  'nginx-killed',
  'nginx-stopped',
  'nginx-hung',
  'keepalived-killed',
  'keepalived-stopped',
  'vrrp-blocked',
  'backend-broken',
  'backend-slow',
  'lossy-link',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultArgs {
  /** inventory name of the host (labels, the slow/broken page) */
  host: string;
  /** vrrp-blocked: the peer directors' addresses whose VRRP is dropped */
  peers?: string[];
  /** backend-broken/-slow: the web port redirected (default 80) */
  port?: number;
  /** lossy-link: percent of packets dropped each way (default 5) */
  lossPercent?: number;
  /** backend-slow: seconds per response (default 2) */
  delaySeconds?: number;
}

export interface FaultShell {
  /** makes the fault; for nginx-killed its last stdout line is the epoch ms just after */
  inject: string;
  /** undoes it; idempotent, safe to run when the fault is not (or no longer) there */
  undo: string;
  /** one line for the plan and the timeline */
  label: string;
}

const startService = (u: string): string => `systemctl reset-failed ${u}.service 2>/dev/null; systemctl start ${u}.service`;

/** the run-time directory and unit names of the fake web servers (broken, slow) */
const FAKE_DIR = '/run/hapb-drill';
const FAKE_UNIT = 'hapb-drill-fake-web';
const FAKE_PORT = 8099;
/** nothing listens here and nftables drops the SYN: a connect that takes exactly its timeout */
const BLACKHOLE_PORT = 8097;
const REDIRECT_TABLE = 'hapb_drill_redirect';
const VRRP_TABLE = 'hapb_drill_vrrp';
const LOSS_TABLE = 'hapb_drill_loss';

const ADDR_RE = /^\d{1,3}(\.\d{1,3}){3}$/;
const NAME_RE = /^[A-Za-z0-9_.-]+$/;

function check(args: FaultArgs): void {
  if (!NAME_RE.test(args.host)) throw new Error(`fault: bad host name ${JSON.stringify(args.host)}`);
  for (const p of args.peers ?? []) if (!ADDR_RE.test(p)) throw new Error(`fault: bad peer address ${JSON.stringify(p)}`);
}

/** an nginx config for the fake web server: every answer broken (500 or 502), or each one `delay` seconds late */
export function fakeWebConfig(kind: 'broken' | 'slow', host: string, delaySeconds = 2): string {
  const d = FAKE_DIR;
  const body =
    kind === 'broken'
      ? [
          '    location / {',
          '      # half the answers 500, half 502, by the client port',
          '      if ($remote_port ~ [02468]$) { return 500; }',
          '      return 502;',
          '    }',
        ]
      : [
          '    location / {',
          `      # a connect that nobody answers: exactly ${delaySeconds} s, then the page`,
          `      proxy_pass http://127.0.0.1:${BLACKHOLE_PORT};`,
          `      proxy_connect_timeout ${delaySeconds}s;`,
          '      error_page 502 504 = @page;',
          '    }',
          '    location @page {',
          `      add_header X-Backend ${host} always;`,
          `      return 200 "${host} (slow: hapb drill fault)\\n";`,
          '    }',
        ];
  return [
    `pid ${d}/fake.pid;`,
    `error_log ${d}/fake.err warn;`,
    'worker_processes 1;',
    'events { worker_connections 1024; }',
    'http {',
    '  access_log off;',
    `  client_body_temp_path ${d}/body; proxy_temp_path ${d}/proxy; fastcgi_temp_path ${d}/fcgi; uwsgi_temp_path ${d}/uwsgi; scgi_temp_path ${d}/scgi;`,
    `  server {`,
    `    listen ${FAKE_PORT};`,
    ...body,
    '  }',
    '}',
    '',
  ].join('\n');
}

function fakeWeb(kind: 'broken' | 'slow', args: FaultArgs): FaultShell {
  const port = args.port ?? 80;
  const conf = fakeWebConfig(kind, args.host, args.delaySeconds ?? 2);
  const nft = [
    `add table ip ${REDIRECT_TABLE}`,
    `add chain ip ${REDIRECT_TABLE} pre { type nat hook prerouting priority dstnat; }`,
    `add rule ip ${REDIRECT_TABLE} pre tcp dport ${port} redirect to :${FAKE_PORT}`,
    ...(kind === 'slow'
      ? [`add chain ip ${REDIRECT_TABLE} out { type filter hook output priority filter; }`, `add rule ip ${REDIRECT_TABLE} out ip daddr 127.0.0.1 tcp dport ${BLACKHOLE_PORT} drop`]
      : []),
  ].join('\n');
  const inject = [
    `mkdir -p ${FAKE_DIR}`,
    `printf '%s' ${shellQuote(conf)} > ${FAKE_DIR}/fake.conf`,
    `systemd-run -q --collect --unit=${FAKE_UNIT} nginx -c ${FAKE_DIR}/fake.conf -g 'daemon off;'`,
    // wait until it listens (5 s at most), then send the web port to it
    `i=0; until ss -ltnH 'sport = :${FAKE_PORT}' | grep -q ':${FAKE_PORT}'; do i=$((i+1)); [ $i -gt 50 ] && exit 1; sleep 0.1; done`,
    `printf '%s\\n' ${shellQuote(nft)} | nft -f -`,
  ].join(' && ');
  const undo = [`nft delete table ip ${REDIRECT_TABLE} 2>/dev/null`, `systemctl stop ${FAKE_UNIT}.service 2>/dev/null`, `rm -rf ${FAKE_DIR}`, 'true'].join('; ');
  const label = kind === 'broken' ? `${args.host} answers 500/502 on port ${port}` : `${args.host} answers in ${args.delaySeconds ?? 2} s`;
  return { inject, undo, label };
}

export function faultShell(kind: FaultKind, args: FaultArgs): FaultShell {
  check(args);
  const h = args.host;
  switch (kind) {
    case 'nginx-killed':
      // stamped once nginx's processes are gone (its cgroup empty, at most 2 s), as on a lab
      // (src/drill/scenarios/steps.ts): until then the kernel still completes handshakes for it
      return { inject: `${NGINX_CGROUP_SH} && systemctl kill --signal=SIGKILL nginx.service && { ${WAIT_CGROUP_EMPTY_SH}; date +%s%3N; }`, undo: startService('nginx'), label: `nginx killed on ${h}` };
    case 'nginx-stopped':
      return { inject: 'systemctl stop nginx.service', undo: startService('nginx'), label: `nginx stopped on ${h}` };
    case 'nginx-hung':
      // every process of the unit (master and workers) stopped, not dead: its sockets stay open
      return {
        inject: 'systemctl kill --signal=SIGSTOP nginx.service && date +%s%3N',
        undo: 'systemctl kill --signal=SIGCONT nginx.service 2>/dev/null; true',
        label: `nginx hung (SIGSTOP) on ${h}`,
      };
    case 'keepalived-killed':
      return { inject: 'systemctl kill --signal=SIGKILL keepalived.service', undo: startService('keepalived'), label: `keepalived killed on ${h}` };
    case 'keepalived-stopped':
      return { inject: 'systemctl stop keepalived.service', undo: startService('keepalived'), label: `keepalived stopped on ${h}` };
    case 'vrrp-blocked': {
      const peers = args.peers ?? [];
      if (peers.length === 0) throw new Error('vrrp-blocked needs the peer addresses');
      const nft = [
        `add table inet ${VRRP_TABLE}`,
        `add chain inet ${VRRP_TABLE} input { type filter hook input priority -10; }`,
        // VRRP only (IP protocol 112): SSH and the web port are untouched
        ...peers.map((p) => `add rule inet ${VRRP_TABLE} input ip protocol 112 ip saddr ${p} drop`),
      ].join('\n');
      return {
        inject: `printf '%s\\n' ${shellQuote(nft)} | nft -f -`,
        undo: `nft delete table inet ${VRRP_TABLE} 2>/dev/null; true`,
        label: `VRRP from ${peers.join(', ')} dropped on ${h}`,
      };
    }
    case 'backend-broken':
      return fakeWeb('broken', args);
    case 'backend-slow':
      return fakeWeb('slow', args);
    case 'lossy-link': {
      const pct = args.lossPercent ?? 5;
      if (!(pct > 0 && pct < 100)) throw new Error(`lossy-link: loss must be between 0 and 100 %, got ${pct}`);
      const nft = [
        `add table inet ${LOSS_TABLE}`,
        `add chain inet ${LOSS_TABLE} input { type filter hook input priority -300; }`,
        `add chain inet ${LOSS_TABLE} output { type filter hook output priority -300; }`,
        // SSH (hapb's own path) and loopback never lose a packet
        `add rule inet ${LOSS_TABLE} input iifname "lo" accept`,
        `add rule inet ${LOSS_TABLE} input tcp dport 22 accept`,
        `add rule inet ${LOSS_TABLE} input tcp sport 22 accept`,
        `add rule inet ${LOSS_TABLE} input numgen random mod 100 < ${pct} drop`,
        `add rule inet ${LOSS_TABLE} output oifname "lo" accept`,
        `add rule inet ${LOSS_TABLE} output tcp sport 22 accept`,
        `add rule inet ${LOSS_TABLE} output tcp dport 22 accept`,
        `add rule inet ${LOSS_TABLE} output numgen random mod 100 < ${pct} drop`,
      ].join('\n');
      return {
        inject: `printf '%s\\n' ${shellQuote(nft)} | nft -f -`,
        undo: `nft delete table inet ${LOSS_TABLE} 2>/dev/null; true`,
        label: `${pct} % packet loss on ${h} (SSH spared)`,
      };
    }
  }
}

/** the nftables tables the faults create: present on a host = a fault is in place there */
export const FAULT_TABLES = [`ip ${REDIRECT_TABLE}`, `inet ${VRRP_TABLE}`, `inet ${LOSS_TABLE}`] as const;

/** a shell that prints one line `fault <table>` per fault table present, and `fault ${FAKE_UNIT}` when the fake web server runs */
export const faultProbeScript = [
  ...FAULT_TABLES.map((t) => `nft list table ${t} >/dev/null 2>&1 && echo "fault ${t}"`),
  `systemctl is-active -q ${FAKE_UNIT}.service 2>/dev/null && echo "fault ${FAKE_UNIT}"`,
  `for p in $(systemctl show -p MainPID --value nginx.service 2>/dev/null); do [ "$p" != 0 ] && grep -q '^State:.*stopped' /proc/$p/status 2>/dev/null && echo "fault nginx-hung"; done`,
  'true',
].join('\n');

export function parseFaultProbe(stdout: string): string[] {
  return stdout
    .split('\n')
    .map((l) => /^fault (.+)$/.exec(l.trim())?.[1])
    .filter((x): x is string => x !== undefined);
}

/**
 * Dead-man timer: a transient systemd timer on the host that runs `undo`
 * `seconds` after it was armed, unless disarmed first.
 */
export function armShell(unit: string, seconds: number, undo: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(unit)) throw new Error(`bad unit name ${unit}`);
  return `systemd-run -q --collect --unit=${unit} --on-active=${Math.max(1, Math.round(seconds))} --timer-property=AccuracySec=100ms /bin/sh -c ${shellQuote(undo)}`;
}

export function disarmShell(unit: string): string {
  return `systemctl stop ${unit}.timer 2>/dev/null; systemctl reset-failed ${unit}.service ${unit}.timer 2>/dev/null; true`;
}

/** every hapb drill dead-man timer on the host (`hapb-drill-dm-*`) */
export const listDeadmenShell = "systemctl list-timers --all --no-legend 'hapb-drill-dm-*' 2>/dev/null | grep -o 'hapb-drill-dm-[A-Za-z0-9_.-]*\\.timer' || true";

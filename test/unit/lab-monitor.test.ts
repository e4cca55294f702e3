/**
 * `lab up --monitor`: the Prometheus config and recording rules hapb writes
 * into the lab's client, the variables it gives the roles, and the image
 * recipe. Prometheus itself (promtool, the scrapes, the rules' values) is
 * checked by test/integration/lab-monitor.test.ts.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { defaultRecipe, labRecipe, MONITOR_PACKAGES, recipeHash } from '../../src/lab/image.js';
import {
  monitorHost,
  monitorTargets,
  monitorVars,
  prometheusConfig,
  prometheusDefaults,
  prometheusRules,
  RECORDING_RULES,
  MTAIL_PORT,
  NGINX_EXPORTER_PORT,
  NODE_EXPORTER_PORT,
  STUB_STATUS_PORT,
  VRRP_TEXTFILE,
} from '../../src/lab/monitor.js';
import { labSpecOf } from '../../src/lab/inventory.js';
import { loadInventory } from '../../src/inventory/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const seed = labSpecOf(loadInventory(join(root, 'inventory', 'seed.yml')));
const machines = seed.hosts.map((h) => ({ host: h.name, address: h.address, groups: h.groups }));

interface ScrapeConfig {
  job_name: string;
  static_configs: { targets: string[]; labels: Record<string, string> }[];
  metric_relabel_configs?: Record<string, unknown>[];
}

describe('the Prometheus config of a lab', () => {
  it('scrapes node and nginx exporters of every director and backend, never the client', () => {
    expect(monitorTargets(machines)).toEqual([
      { host: 'backup', address: '192.168.0.41', role: 'director' },
      { host: 'master', address: '192.168.0.40', role: 'director' },
      { host: 'web1', address: '192.168.0.42', role: 'backend' },
      { host: 'web2', address: '192.168.0.43', role: 'backend' },
    ]);
    const cfg = parse(prometheusConfig(monitorTargets(machines))) as { global: Record<string, string>; rule_files: string[]; scrape_configs: ScrapeConfig[] };
    expect(cfg.rule_files).toEqual(['/etc/prometheus/hapb-rules.yml']);
    expect(cfg.global['scrape_interval']).toBe('5s');
    const jobs = Object.fromEntries(cfg.scrape_configs.map((j) => [j.job_name, j]));
    expect(Object.keys(jobs)).toEqual(['node', 'nginx', 'mtail']);
    expect(jobs['mtail']?.static_configs.map((s) => s.targets[0])).toEqual(['192.168.0.41:3903', '192.168.0.40:3903', '192.168.0.42:3903', '192.168.0.43:3903']);
    expect(jobs['node']?.static_configs.map((s) => s.targets[0])).toEqual(['192.168.0.41:9100', '192.168.0.40:9100', '192.168.0.42:9100', '192.168.0.43:9100']);
    expect(jobs['nginx']?.static_configs.map((s) => s.targets[0])).toEqual(['192.168.0.41:9113', '192.168.0.40:9113', '192.168.0.42:9113', '192.168.0.43:9113']);
    expect(jobs['nginx']?.static_configs[1]?.labels).toEqual({ host: 'master', role: 'director' });
  });

  it("renames the VRRP textfile's instance label (stored as exported_instance) to vrrp_instance", () => {
    const cfg = parse(prometheusConfig(monitorTargets(machines))) as { scrape_configs: ScrapeConfig[] };
    expect(cfg.scrape_configs[0]?.metric_relabel_configs).toEqual([
      { source_labels: ['exported_instance'], regex: '(.+)', target_label: 'vrrp_instance', replacement: '$1', action: 'replace' },
      { regex: 'exported_instance', action: 'labeldrop' },
    ]);
  });

  it('listens on the client address only', () => {
    expect(monitorHost({ name: 'x', machines }).address).toBe('192.168.0.10');
    expect(prometheusDefaults('192.168.0.10')).toContain('ARGS="--web.listen-address=192.168.0.10:9090 --config.file=/etc/prometheus/prometheus.yml');
    expect(() => monitorHost({ name: 'x', machines: [] })).toThrow(/no host in group clients/);
  });
});

describe('the recording rules', () => {
  const doc = parse(prometheusRules()) as { groups: { name: string; rules: { record: string; expr: string }[] }[] };

  it('one group with requests/s, the front, 5xx, dropped connections and the VIP holder', () => {
    expect(doc.groups.map((g) => g.name)).toEqual(['hapb']);
    expect(doc.groups[0]?.rules.map((r) => r.record)).toEqual([
      'hapb:nginx_requests:rate1m',
      'hapb:front_requests:rate1m',
      'hapb:nginx_5xx:rate1m',
      'hapb:front_5xx:rate1m',
      'hapb:nginx_dropped_connections:rate1m',
      'hapb:vrrp_master',
      'hapb:vip_holder',
      'hapb:vip_holders:count',
    ]);
    // what is written is exactly the rules' expressions (quotes and braces survive YAML)
    expect(doc.groups[0]?.rules.map((r) => r.expr)).toEqual(RECORDING_RULES.map((r) => r.expr));
    expect(doc.groups[0]?.rules[1]?.expr).toBe('sum(rate(nginx_http_requests_total{role="director"}[1m]))');
  });

  it('reads only metrics the exporters serve (nginx_*, keepalived_vrrp_*) or rules defined before', () => {
    const known = /^(nginx_http_requests_total|nginx_http_5xx_responses_total|nginx_connections_accepted|nginx_connections_handled|keepalived_vrrp_state)$/;
    const defined = new Set<string>();
    for (const r of RECORDING_RULES) {
      // metric names: words with _ or : outside `by (labels)` and `{matchers}`
      const bare = r.expr.replace(/by \([^)]*\)/g, '').replace(/\{[^}]*\}/g, '');
      const names = bare.match(/[a-z][a-z0-9_:]*[_:][a-z0-9_:]*/g) ?? [];
      expect(names.length, r.record).toBeGreaterThan(0);
      for (const n of names) expect(known.test(n) || defined.has(n), `${r.record} reads ${n}`).toBe(true);
      defined.add(r.record);
    }
  });
});

describe('what the lab gives the roles and the image', () => {
  it("every variable it sets is one of the roles' (argument specs)", () => {
    const specs = ['keepalived', 'nginx_director', 'web_backend', 'prometheus_exporters']
      .map((r) => readFileSync(join(root, 'roles', r, 'meta', 'argument_specs.yml'), 'utf8'))
      .join('\n');
    for (const k of Object.keys(monitorVars())) expect(specs, k).toContain(`      ${k}:\n`);
    expect(monitorVars()).toEqual({ nginx_director_metrics: true, web_backend_metrics: true, keepalived_metrics_textfile: '/var/lib/prometheus/node-exporter/keepalived.prom' });
  });

  it("the ports Prometheus and the drill use are the roles' defaults, and the textfile is in node exporter's folder", () => {
    const defaults = (role: string): Record<string, unknown> => parse(readFileSync(join(root, 'roles', role, 'defaults', 'main.yml'), 'utf8')) as Record<string, unknown>;
    const exp = defaults('prometheus_exporters');
    expect([exp['prometheus_exporters_node_port'], exp['prometheus_exporters_nginx_port'], exp['prometheus_exporters_mtail_port']]).toEqual([NODE_EXPORTER_PORT, NGINX_EXPORTER_PORT, MTAIL_PORT]);
    expect(defaults('nginx_director')['nginx_director_stub_status_port']).toBe(STUB_STATUS_PORT);
    expect(defaults('web_backend')['web_backend_stub_status_port']).toBe(STUB_STATUS_PORT);
    expect(dirname(VRRP_TEXTFILE)).toBe(exp['prometheus_exporters_textfile_dir']);
  });

  it("the monitor image adds Debian's packages, disables them at boot, and is another cached image", () => {
    const m = labRecipe({ monitor: true });
    expect(MONITOR_PACKAGES).toEqual(['prometheus', 'prometheus-nginx-exporter', 'prometheus-node-exporter', 'mtail']);
    expect(m.packages).toEqual([...defaultRecipe.packages, ...MONITOR_PACKAGES]);
    expect(m.postScript).toMatch(/^set -e\nsystemctl disable prometheus.service prometheus-node-exporter.service prometheus-nginx-exporter.service mtail.service\n/);
    expect(m.postScript.endsWith(defaultRecipe.postScript)).toBe(true);
    expect(recipeHash(m)).not.toBe(recipeHash(defaultRecipe));
    expect(recipeHash(labRecipe({ monitor: true, python: true }))).not.toBe(recipeHash(m));
    expect(labRecipe({ monitor: false })).toBe(defaultRecipe);
  });
});

/**
 * `hapb lab up --monitor` for real: Debian's exporters on every director and
 * backend (roles nginx_director, web_backend, prometheus_exporters, and
 * keepalived's VRRP textfile), Debian's Prometheus on the client. Every query
 * goes to Prometheus' HTTP API from inside the lab (the client machine), never
 * from this box's own namespace. Also: the exporters listen on the host's own
 * address only, a second converge changes nothing, the VIP holder rule follows
 * a failover, and the drill's cross-check against nginx's counters.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/cli.js';
import { canUseNamespaces, hasCommand } from '../helpers/env.js';
import { hapbAsync, labDownQuietly, labUpOrThrow, parseReport } from '../helpers/drill-cli.js';
import { execIn } from '../../src/lab/index.js';

const canRun = canUseNamespaces && hasCommand('systemd-nspawn') && hasCommand('debootstrap');
const LAB = `t-monitor-${process.pid}`;
const PROMETHEUS = 'http://192.168.0.10:9090';
const VIP = '192.168.0.150';

async function sh(host: string, script: string): Promise<string> {
  const r = await execIn(LAB, host, ['sh', '-c', script]);
  if (r.rc !== 0) throw new Error(`${host}: ${script}: rc ${r.rc}: ${r.stderr}`);
  return r.stdout;
}

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

/** an instant query, asked from the lab's client */
async function query(q: string): Promise<Sample[]> {
  const r = await execIn(LAB, 'client', ['curl', '-sS', '--max-time', '5', '--get', '--data-urlencode', `query=${q}`, `${PROMETHEUS}/api/v1/query`]);
  if (r.rc !== 0) throw new Error(`query ${q}: curl rc ${r.rc}: ${r.stderr}`);
  const doc = JSON.parse(r.stdout) as { status: string; data: { result: Sample[] } };
  if (doc.status !== 'success') throw new Error(`query ${q}: ${r.stdout}`);
  return doc.data.result;
}

async function waitFor<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  let v = await read();
  while (!ok(v)) {
    if (Date.now() > until) throw new Error(`${what}: still ${JSON.stringify(v)} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 1000));
    v = await read();
  }
  return v;
}

const holdersOf = async (): Promise<string[]> => (await query('hapb:vip_holder')).map((s) => s.metric['host'] ?? '?').sort();

describe.skipIf(!canRun)('lab up --monitor: exporters and Prometheus in the lab', () => {
  beforeAll(async () => {
    await labUpOrThrow(LAB, ['--monitor']);
  }, 900_000);
  afterAll(async () => {
    await labDownQuietly(LAB);
  }, 180_000);

  it('Prometheus reports up == 1 for the three exporters of every director and backend', async () => {
    const up = await waitFor('every target up', () => query('up'), (s) => s.length === 12 && s.every((x) => x.value[1] === '1'));
    expect(up.map((s) => `${s.metric['job']} ${s.metric['host']} ${s.metric['role']}`).sort()).toEqual([
      'mtail backup director',
      'mtail master director',
      'mtail web1 backend',
      'mtail web2 backend',
      'nginx backup director',
      'nginx master director',
      'nginx web1 backend',
      'nginx web2 backend',
      'node backup director',
      'node master director',
      'node web1 backend',
      'node web2 backend',
    ]);
  }, 120_000);

  it('listens only inside the lab: Prometheus on the client address, exporters on each host address, stub_status on the loopback', async () => {
    expect(await sh('client', 'ss -Hltn')).toMatch(/192\.168\.0\.10:9090 /);
    expect(await sh('client', 'ss -Hltn')).not.toMatch(/(0\.0\.0\.0|\*|\[::\]):9090 /);
    for (const [host, addr] of [['master', '192.168.0.40'], ['web1', '192.168.0.42']] as const) {
      const ss = await sh(host, 'ss -Hltn');
      expect(ss).toContain(`${addr}:9100 `);
      expect(ss).toContain(`${addr}:9113 `);
      expect(ss).toContain(`${addr}:3903 `);
      expect(ss).toContain('127.0.0.1:8080 ');
      expect(ss).not.toMatch(/(0\.0\.0\.0|\*|\[::\]):(9100|9113|3903|8080) /);
    }
    // the stub_status page answers on the loopback, not from the client
    expect(await sh('master', 'curl -s http://127.0.0.1:8080/stub_status')).toMatch(/server accepts handled requests/);
    const far = await execIn(LAB, 'client', ['curl', '-s', '--max-time', '2', 'http://192.168.0.40:8080/stub_status']);
    expect(far.rc).not.toBe(0);
  }, 60_000);

  it('the recording rules have values: requests/s through the directors, the VIP holder', async () => {
    // 300 requests through the VIP from the client: the front's rate rises above the health checks' and scrapes'
    await sh('client', `i=0; while [ $i -lt 300 ]; do curl -s -o /dev/null http://${VIP}/; i=$((i + 1)); done`);
    const front = await waitFor('hapb:front_requests:rate1m above 2/s', () => query('hapb:front_requests:rate1m'), (s) => Number(s[0]?.value[1] ?? 0) > 2);
    expect(front).toHaveLength(1);
    // a rate needs two scrapes of a host: the last host converged may still have one
    const perHost = await waitFor('hapb:nginx_requests:rate1m of every host', () => query('hapb:nginx_requests:rate1m'), (s) => s.length === 4);
    expect(perHost.map((s) => s.metric['host']).sort()).toEqual(['backup', 'master', 'web1', 'web2']);
    expect(await holdersOf()).toEqual(['master']);
    expect((await query('hapb:vip_holders:count')).map((s) => [s.metric['vrrp_instance'], s.value[1]])).toEqual([['VI_1', '1']]);
    // no 5xx yet: the rule says 0 (not nothing)
    expect((await query('hapb:front_5xx:rate1m')).map((s) => s.value[1])).toEqual(['0']);
  }, 120_000);

  it('the 5xx rate (mtail, from the access log) rises when the directors answer 502', async () => {
    await sh('web1', 'systemctl stop nginx');
    await sh('web2', 'systemctl stop nginx');
    let codes = '';
    try {
      codes = await sh('client', `i=0; while [ $i -lt 60 ]; do curl -s -o /dev/null -w '%{http_code}\\n' http://${VIP}/; i=$((i + 1)); done`);
    } finally {
      await sh('web1', 'systemctl start nginx');
      await sh('web2', 'systemctl start nginx');
    }
    const n502 = codes.split('\n').filter((c) => c === '502').length;
    expect(n502).toBe(60);
    const front = await waitFor('hapb:front_5xx:rate1m above 0.5/s', () => query('hapb:front_5xx:rate1m'), (s) => Number(s[0]?.value[1] ?? 0) > 0.5);
    expect(front).toHaveLength(1);
    const byHost = await query('hapb:nginx_5xx:rate1m{role="director"}');
    expect(byHost.find((s) => s.metric['host'] === 'master')?.value[1]).not.toBe('0');
    // the backends were down: they answered no 5xx
    const backends = await query('hapb:nginx_5xx:rate1m{role="backend"}');
    expect(backends.map((s) => s.value[1])).toEqual(['0', '0']);
  }, 120_000);

  it('the VIP holder rule follows a failover (keepalived notify -> textfile -> node exporter)', async () => {
    await sh('master', 'systemctl stop keepalived');
    try {
      expect(await waitFor('VIP holder backup', holdersOf, (h) => h.join() === 'backup')).toEqual(['backup']);
      // keepalived gone: its ExecStopPost marked the instance STOP (not a stale MASTER)
      const state = await waitFor('master STOP', () => query('keepalived_vrrp_state{host="master"}'), (x) => x[0]?.value[1] === '4');
      expect(state.map((x) => x.metric['vrrp_instance'])).toEqual(['VI_1']);
    } finally {
      await sh('master', 'systemctl start keepalived');
    }
    expect(await waitFor('VIP holder master again', holdersOf, (h) => h.join() === 'master')).toEqual(['master']);
  }, 180_000);

  it('a second converge changes nothing', async () => {
    const r = await hapbAsync(['lab', 'converge', '--name', LAB], 600_000);
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    const recap = r.stdout.slice(r.stdout.indexOf('PLAY RECAP'));
    expect(recap).toMatch(/master\s+: ok=\d+\s+changed=0 /);
    expect(recap).toMatch(/web1\s+: ok=\d+\s+changed=0 /);
    expect(recap).not.toMatch(/changed=[1-9]/);
  }, 600_000);

  it("the drill cross-checks its answered requests against the directors' nginx counters", async () => {
    // what nginx counts with no client: health probes (keepalived's check, the hung-nginx watcher), scrapes
    const requests = async (): Promise<number> => {
      let sum = 0;
      for (const h of ['master', 'backup']) sum += Number(/\n\s*\d+\s+\d+\s+(\d+)/.exec(await sh(h, 'curl -s http://127.0.0.1:8080/stub_status'))?.[1]);
      return sum;
    };
    const idleFrom = Date.now();
    const idle0 = await requests();
    await new Promise((r) => setTimeout(r, 5000));
    const idlePerS = ((await requests()) - idle0) / ((Date.now() - idleFrom) / 1000);
    expect(idlePerS).toBeGreaterThan(0);
    const run = await hapbAsync(['drill', '--name', LAB, 'baseline', '--rate', '50', '--no-converge', '-o', 'json'], 600_000);
    const report = parseReport(run);
    const r = report.results[0];
    expect(r?.error).toBeUndefined();
    const v = r?.verdicts.find((x) => x.id === 'nginx-counters');
    expect(v?.informational).toBe(true);
    const m = /^nginx counted (\d+) \(([^)]*)\); the drill: (\d+) answered of (\d+) sent; (\d+) more in nginx/.exec(v?.actual ?? '');
    expect(m, v?.actual).not.toBeNull();
    const [nginx, answered, sent, extra] = [m?.[1], m?.[3], m?.[4], m?.[5]].map(Number);
    expect(answered).toBe(r?.records.filter((x) => x.status !== undefined).length);
    expect(sent).toBe(r?.records.length);
    expect(nginx).toBe((answered ?? 0) + (extra ?? 0));
    // nginx counted every answer, and not more than the idle background explains (the scenario, plus
    // up to 10 s between the reading before the load and the one after it, twice the idle rate)
    expect(nginx).toBeGreaterThanOrEqual(answered ?? Infinity);
    expect(extra).toBeLessThan(2 * idlePerS * ((r?.durationMs ?? 0) / 1000 + 10));
    expect(v?.pass).toBe(true);
  }, 600_000);
});

describe.skipIf(!canRun)('lab up --monitor without a client', () => {
  it('refuses the inventory before making anything (exit 4, file named)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 't-monitor-nc-'));
    const inv = join(dir, 'inventory.yml');
    const seed = readFileSync(join(repoRoot, 'inventory', 'seed.yml'), 'utf8');
    const without = seed.replace('    clients:\n      hosts:\n        client:\n          ansible_host: 192.168.0.10\n', '');
    expect(without).not.toBe(seed);
    writeFileSync(inv, without);
    const name = `t-monitor-nc-${process.pid}`;
    try {
      const r = await hapbAsync(['lab', 'up', '--name', name, '--monitor', '-i', inv], 300_000);
      expect(r.code).toBe(4);
      expect(r.stderr).toContain(`${inv}:1:1: --monitor runs Prometheus on a host of group clients, and the inventory has none`);
      const st = await hapbAsync(['lab', 'down', '--name', name], 120_000);
      expect(st.stdout).toBe(`no lab ${name}\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});

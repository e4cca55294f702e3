/**
 * The load generator against real nginx, across a real veth between two
 * network namespaces of our own (nothing touches the root namespace):
 * successes, refusals once nginx is stopped, timeouts behind an nftables drop.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnLoad } from '../../src/drill/load-process.js';
import type { LoadOptions, RequestRecord } from '../../src/drill/types.js';
import { canUseNamespaces, hasCommand } from '../helpers/env.js';

const tag = `hapb-t-drill-${process.pid}`;
const nsClient = `${tag}-c`;
const nsServer = `${tag}-s`;
const vethC = `hdc${process.pid}`.slice(0, 15);
const vethS = `hds${process.pid}`.slice(0, 15);
const clientAddr = '10.199.0.1';
const serverAddr = '10.199.0.2';
const url = `http://${serverAddr}/`;
const repo = resolve(import.meta.dirname, '../..');
const buildDir = join(repo, 'out', tag);
const tmp = join('/tmp', tag);
const loadgenPath = join(buildDir, 'drill', 'loadgen', 'main.js');

const ready = canUseNamespaces && hasCommand('nginx') && hasCommand('nft');

function sh(argv: string[]): string {
  const [cmd, ...rest] = argv;
  if (!cmd) throw new Error('empty argv');
  return execFileSync(cmd, rest, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}
function inServer(argv: string[]): string {
  return sh(['ip', 'netns', 'exec', nsServer, ...argv]);
}
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let nginx: ChildProcess | undefined;

async function startNginx(): Promise<void> {
  const conf = join(tmp, 'nginx.conf');
  writeFileSync(
    conf,
    [
      'worker_processes 1;',
      `pid ${join(tmp, 'nginx.pid')};`,
      `error_log ${join(tmp, 'error.log')} warn;`,
      'events { worker_connections 1024; }',
      'http {',
      '  access_log off;',
      `  client_body_temp_path ${tmp}/body; proxy_temp_path ${tmp}/proxy; fastcgi_temp_path ${tmp}/fcgi;`,
      `  uwsgi_temp_path ${tmp}/uwsgi; scgi_temp_path ${tmp}/scgi;`,
      `  server { listen ${serverAddr}:80; location / { add_header X-Backend web1; return 200 "hello from web1\\n"; } }`,
      '}',
      '',
    ].join('\n'),
  );
  // ip netns exec execs nginx in place: the child's PID is nginx's master
  nginx = spawn('ip', ['netns', 'exec', nsServer, 'nginx', '-c', conf, '-g', 'daemon off;'], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    if (inServer(['ss', '-ltnH', 'sport = :80']).includes(':80')) return;
    await sleep(50);
  }
  throw new Error('nginx did not listen');
}

async function stopNginx(): Promise<void> {
  const p = nginx;
  nginx = undefined;
  if (!p || p.exitCode !== null || p.pid === undefined) return;
  const exited = new Promise((r) => p.once('exit', r));
  process.kill(p.pid, 'SIGTERM');
  await exited;
}

function run(opts: Partial<LoadOptions>, during?: (t0Epoch: number) => Promise<void>): Promise<{ records: RequestRecord[]; t0: number }> {
  const handle = spawnLoad(
    { url, rate: 100, timeoutMs: 5000, durationMs: 2000, keepalive: 0, ...opts },
    { prefix: ['ip', 'netns', 'exec', nsClient], loadgenPath },
  );
  return (async () => {
    const t0 = await handle.t0Epoch;
    if (during) await during(t0);
    return { records: await handle.done, t0 };
  })();
}

describe.skipIf(!ready)('load generator in a network namespace against real nginx', () => {
  beforeAll(async () => {
    mkdirSync(tmp, { recursive: true });
    sh(['npx', 'tsc', '-p', join(repo, 'tsconfig.build.json'), '--outDir', buildDir]);
    sh(['ip', 'netns', 'add', nsClient]);
    sh(['ip', 'netns', 'add', nsServer]);
    sh(['ip', '-n', nsClient, 'link', 'add', vethC, 'type', 'veth', 'peer', 'name', vethS, 'netns', nsServer]);
    sh(['ip', '-n', nsClient, 'addr', 'add', `${clientAddr}/24`, 'dev', vethC]);
    sh(['ip', '-n', nsServer, 'addr', 'add', `${serverAddr}/24`, 'dev', vethS]);
    for (const [ns, dev] of [[nsClient, vethC], [nsServer, vethS]] as const) {
      sh(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
      sh(['ip', '-n', ns, 'link', 'set', dev, 'up']);
    }
    await startNginx();
  });

  afterAll(async () => {
    await stopNginx().catch(() => undefined);
    for (const ns of [nsClient, nsServer]) {
      try {
        sh(['ip', 'netns', 'del', ns]);
      } catch {
        // already gone
      }
    }
    rmSync(tmp, { recursive: true, force: true });
    rmSync(buildDir, { recursive: true, force: true });
  });

  it('records every request of 100 req/s for 2 s, all answered by web1', async () => {
    const { records } = await run({});
    expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    for (const r of records) {
      expect(r).toMatchObject({ kind: 'ok', status: 200, backend: 'web1' });
      expect(r.scheduled).toBeCloseTo(r.seq * 10, 5);
      expect(r.started).toBeGreaterThanOrEqual(r.scheduled);
      expect(r.latency).toBeGreaterThan(0);
    }
  });

  it('keeps 2 keep-alive connections and records every request', async () => {
    const { records } = await run({ rate: 50, durationMs: 1000, keepalive: 2 });
    expect(records).toHaveLength(50);
    expect(records.every((r) => r.kind === 'ok' && r.backend === 'web1' && r.retriedAfter === undefined)).toBe(true);
  });

  it('keep-alive: a reused connection reset before any answer is retried once on a fresh one, not failed', async () => {
    const table = `hapbk${process.pid}`;
    try {
      const { records } = await run({ rate: 50, durationMs: 2000, keepalive: 2 }, async (t0) => {
        await sleep(Math.max(0, t0 + 700 - Date.now()));
        // the client's open connections, by source port; new connections get new ports
        const ports = sh(['ip', 'netns', 'exec', nsClient, 'ss', '-tnH', 'state', 'established', 'dst', `${serverAddr}:80`])
          .split('\n')
          .map((l) => /:(\d+)\s/.exec(l)?.[1])
          .filter((p): p is string => p !== undefined);
        expect(ports.length).toBeGreaterThan(0);
        inServer(['nft', 'add', 'table', 'inet', table]);
        inServer(['nft', 'add', 'chain', 'inet', table, 'in', '{ type filter hook input priority 0 ; }']);
        inServer(['nft', 'add', 'rule', 'inet', table, 'in', 'tcp', 'sport', `{ ${ports.join(', ')} }`, 'reject', 'with', 'tcp', 'reset']);
      });
      expect(records).toHaveLength(100);
      const retried = records.filter((r) => r.retriedAfter !== undefined);
      expect(records.filter((r) => r.kind !== 'ok')).toEqual([]);
      expect(retried.length).toBeGreaterThanOrEqual(1);
      expect(retried.length).toBeLessThanOrEqual(2);
      for (const r of retried) expect(r.started).toBeGreaterThan(650);
    } finally {
      inServer(['nft', 'delete', 'table', 'inet', table]);
    }
  });

  it('records refusals once nginx stops in the middle of the run', async () => {
    let stoppedAt = 0;
    const { records } = await run({ durationMs: 2000 }, async (t0) => {
      await sleep(Math.max(0, t0 + 800 - Date.now()));
      await stopNginx();
      stoppedAt = Date.now() - t0;
    });
    expect(records).toHaveLength(200);
    const refused = records.filter((r) => r.kind === 'refused');
    const ok = records.filter((r) => r.kind === 'ok');
    expect(ok.length).toBeGreaterThan(50);
    expect(refused.length).toBeGreaterThan(50);
    // a request in flight at the moment nginx dies is reset, not refused
    const reset = records.filter((r) => r.kind === 'reset');
    expect(reset.length).toBeLessThanOrEqual(5);
    expect(ok.length + refused.length + reset.length).toBe(records.length);
    for (const r of refused) {
      expect(r.code).toBe('ECONNREFUSED');
      expect(r.started).toBeGreaterThan(700);
    }
    // nothing that started well after the stop got an answer
    expect(ok.filter((r) => r.started > stoppedAt + 50)).toEqual([]);
    await startNginx();
  });

  it('records timeouts within the per-request timeout behind an nftables drop', async () => {
    const table = `hapbt${process.pid}`;
    inServer(['nft', 'add', 'table', 'inet', table]);
    try {
      inServer(['nft', 'add', 'chain', 'inet', table, 'in', '{ type filter hook input priority 0 ; }']);
      inServer(['nft', 'add', 'rule', 'inet', table, 'in', 'tcp', 'dport', '80', 'drop']);
      const timeoutMs = 1500;
      const { records } = await run({ rate: 20, durationMs: 1000, timeoutMs });
      expect(records).toHaveLength(20);
      for (const r of records) {
        expect(r.kind).toBe('timeout');
        expect(r.latency).toBeGreaterThanOrEqual(timeoutMs - 50);
        expect(r.latency).toBeLessThan(timeoutMs + 500);
      }
    } finally {
      inServer(['nft', 'delete', 'table', 'inet', table]);
    }
    const after = await run({ rate: 20, durationMs: 500 });
    expect(after.records.every((r) => r.kind === 'ok')).toBe(true);
  });
});

/**
 * The load generator against real nginx, across a real veth between two
 * network namespaces of our own (nothing touches the root namespace):
 * successes, refusals once nginx is stopped, timeouts behind an nftables drop.
 */
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnLoad } from '../../src/drill/load-process.js';
import { buildLoadgen, Testbed } from '../../src/drill/testbed.js';
import type { LoadOptions, RequestRecord } from '../../src/drill/types.js';
import { canUseNamespaces, hasCommand } from '../helpers/env.js';

const tag = `hapb-t-drill-${process.pid}`;
const bed = new Testbed(tag);
const { serverAddr, url } = bed;
const repo = resolve(import.meta.dirname, '../..');
const buildDir = join(repo, 'out', tag);
let loadgenPath = '';

const ready = canUseNamespaces && hasCommand('nginx') && hasCommand('nft');
const inServer = (argv: string[]): string => bed.inServer(argv);
const startNginx = (): Promise<void> => bed.startNginx();
const stopNginx = (): Promise<void> => bed.stopNginx();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function run(opts: Partial<LoadOptions>, during?: (t0Epoch: number) => Promise<void>): Promise<{ records: RequestRecord[]; t0: number }> {
  const handle = spawnLoad(
    { url, rate: 100, timeoutMs: 5000, durationMs: 2000, keepalive: 0, ...opts },
    { prefix: bed.clientPrefix, loadgenPath },
  );
  return (async () => {
    const t0 = await handle.t0Epoch;
    if (during) await during(t0);
    return { records: await handle.done, t0 };
  })();
}

describe.skipIf(!ready)('load generator in a network namespace against real nginx', () => {
  beforeAll(async () => {
    loadgenPath = buildLoadgen(repo, buildDir);
    await bed.create();
    await startNginx();
  });

  afterAll(async () => {
    await bed.destroy();
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
      // a fresh connection per request: connected, then sent, both within the request's life
      expect(r.connected).toBeGreaterThanOrEqual(r.started);
      expect(r.sent).toBeGreaterThanOrEqual(r.connected ?? Infinity);
      expect(r.sent).toBeLessThanOrEqual(r.started + r.latency);
    }
  });

  it('keeps 2 keep-alive connections and records every request', async () => {
    const { records } = await run({ rate: 50, durationMs: 1000, keepalive: 2 });
    expect(records).toHaveLength(50);
    expect(records.every((r) => r.kind === 'ok' && r.backend === 'web1' && r.retriedAfter === undefined)).toBe(true);
    // two connections, each opened once: every request names one of two connect times
    const opened = new Set(records.map((r) => r.connected));
    expect([...opened].every((c) => c !== undefined)).toBe(true);
    expect(opened.size).toBe(2);
    for (const r of records) expect(r.sent).toBeGreaterThanOrEqual(r.started);
  });

  it('keep-alive: a reused connection reset before any answer is retried once on a fresh one, not failed', async () => {
    const table = `hapbk${process.pid}`;
    try {
      const { records } = await run({ rate: 50, durationMs: 2000, keepalive: 2 }, async (t0) => {
        await sleep(Math.max(0, t0 + 700 - Date.now()));
        // the client's open connections, by source port; new connections get new ports
        const ports = bed.inClient(['ss', '-tnH', 'state', 'established', 'dst', `${serverAddr}:80`])
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
    for (const r of reset) expect(r.connected).toBeDefined();
    expect(ok.length + refused.length + reset.length).toBe(records.length);
    // a refused request never had a connection
    for (const r of refused) expect(r.connected).toBeUndefined();
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

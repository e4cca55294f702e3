/**
 * The load generator over HTTPS against real nginx (Debian's, with a CA and
 * certificate made by src/lab/tls.ts), across a veth between two namespaces of
 * our own: handshakes full then resumed; keep-alive makes one handshake per
 * connection; a client without the CA fails every request in TLS; and session
 * tickets across a change of ticket keys, as a failover to another director
 * is: a rotation that keeps the old key still resumes, a director with other
 * keys does not (the first handshake there is full).
 */
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnLoad } from '../../src/drill/load-process.js';
import { summarize } from '../../src/drill/summary.js';
import { buildLoadgen, sh, Testbed, type TestbedTls } from '../../src/drill/testbed.js';
import type { LoadOptions, RequestRecord } from '../../src/drill/types.js';
import { makeCaAndCert, type TlsFiles } from '../../src/lab/tls.js';
import { canUseNamespaces, hasCommand } from '../helpers/env.js';

const tag = `hapb-t-drtls-${process.pid}`;
const bed = new Testbed(tag);
const repo = resolve(import.meta.dirname, '../..');
const buildDir = join(repo, 'out', tag);
let loadgenPath = '';
let pki: TlsFiles;
const ready = canUseNamespaces && hasCommand('nginx') && hasCommand('openssl');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const keys = (...names: string[]): string[] => names.map((n) => join(bed.tmp, `${n}.key`));
const tlsWith = (...ticketKeys: string[]): TestbedTls => ({ cert: pki.cert, key: pki.key, ticketKeys: keys(...ticketKeys) });

function run(opts: Partial<LoadOptions>, during?: (t0Epoch: number, seen: RequestRecord[]) => Promise<void>): Promise<RequestRecord[]> {
  const handle = spawnLoad({ url: bed.httpsUrl(), rate: 100, timeoutMs: 5000, durationMs: 2000, keepalive: 0, ca: pki.caCert, ...opts }, { prefix: bed.clientPrefix, loadgenPath });
  const seen: RequestRecord[] = [];
  handle.onRecord((r) => seen.push(r));
  return (async () => {
    const t0 = await handle.t0Epoch;
    if (during) await during(t0, seen);
    return handle.done;
  })();
}

/** until `n` records connected after `t` (ms since t0) have come back, at most `maxMs` */
async function recordsAfter(seen: RequestRecord[], t: number, n: number, maxMs: number): Promise<void> {
  const until = Date.now() + maxMs;
  while (seen.filter((r) => (r.connected ?? 0) > t).length < n && Date.now() < until) await sleep(50);
}

describe.skipIf(!ready)('load generator over HTTPS against real nginx', () => {
  beforeAll(async () => {
    loadgenPath = buildLoadgen(repo, buildDir);
    await bed.create();
    pki = await makeCaAndCert(join(bed.tmp, 'pki'), { label: tag, ips: [bed.serverAddr] });
    for (const k of ['k1', 'k2', 'k3']) sh(['openssl', 'rand', '-out', join(bed.tmp, `${k}.key`), '80']);
    await bed.startNginx('web1', tlsWith('k1'));
  });

  afterAll(async () => {
    await bed.destroy();
    rmSync(buildDir, { recursive: true, force: true });
  });

  it('a new connection per request: the first handshake is full, the later ones resume', async () => {
    const records = await run({});
    expect(records).toHaveLength(200);
    expect(records.filter((r) => r.kind !== 'ok')).toEqual([]);
    expect(records.every((r) => r.backend === 'web1')).toBe(true);
    expect(records[0]?.tls).toBe('full');
    const s = summarize(records);
    expect(s.tls?.handshakes).toBe(200);
    expect(s.tls?.failures).toBe(0);
    // a full handshake only for connections opened before the first ticket came back
    // (it comes before the first answer's bytes): never after
    const firstAnswer = Math.min(...records.map((r) => r.started + r.latency));
    expect(records.filter((r) => r.tls === 'full' && r.started > firstAnswer)).toEqual([]);
    expect(s.tls?.resumed).toBeGreaterThanOrEqual(100);
  });

  it('keep-alive: one handshake per connection, none for requests on an open one', async () => {
    const records = await run({ rate: 50, durationMs: 1000, keepalive: 2 });
    expect(records.filter((r) => r.kind !== 'ok')).toEqual([]);
    expect(records.filter((r) => r.tls !== undefined)).toHaveLength(2);
  });

  it('a client that does not trust the CA fails every request in TLS', async () => {
    const records = await run({ rate: 20, durationMs: 500, ca: join(repo, 'roles', 'nginx_director', 'files', 'ffdhe2048.pem') });
    expect(records).toHaveLength(10);
    expect(records.every((r) => r.kind === 'other')).toBe(true);
    expect(summarize(records).tls).toEqual({ handshakes: 0, resumed: 0, failures: 10 });
  });

  it('tickets: a rotation that keeps the old key resumes; other keys (a director without the shared keys) do not', async () => {
    const marks: number[] = [];
    // the phases follow what came back, not the clock: a busy box may take a second per handshake
    const records = await run({ rate: 50, durationMs: 8000 }, async (t0, seen) => {
      await recordsAfter(seen, 0, 20, 4000);
      marks.push(Date.now() - t0);
      await bed.reloadNginx('web1', tlsWith('k2', 'k1'));
      await recordsAfter(seen, marks[0] ?? 0, 60, 4000);
      marks.push(Date.now() - t0);
      await bed.reloadNginx('web1', tlsWith('k3'));
    });
    expect(records).toHaveLength(400);
    expect(records.filter((r) => r.kind !== 'ok')).toEqual([]);
    const [rotated = 0, replaced = 0] = marks;
    // connected after the rotation took effect (300 ms) and before the keys were replaced: every handshake resumed
    const between = records.filter((r) => (r.connected ?? 0) > rotated + 400 && (r.connected ?? Infinity) < replaced);
    expect(between.length).toBeGreaterThanOrEqual(10);
    expect(between.filter((r) => r.tls !== 'resumed')).toEqual([]);
    // once the keys were replaced (no old key kept): the tickets are refused, full handshakes
    const full = records.filter((r) => (r.connected ?? 0) > replaced && r.tls === 'full');
    expect(full.length).toBeGreaterThanOrEqual(1);
  });
});

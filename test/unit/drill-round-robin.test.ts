/**
 * Several VIPs: the load generator's round robin (one client per URL, request
 * n to URL n mod k, each record naming its VIP), its arguments, and the
 * per-VIP verdicts. The servers are on loopback (127.0.0.1 and 127.0.0.2).
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLoadgenArgs } from '../../src/drill/loadgen/args.js';
import { loadArgs } from '../../src/drill/loadgen/protocol.js';
import { createRoundRobinClient } from '../../src/drill/loadgen/round-robin.js';
import { perVipVerdicts, primaryEvents } from '../../src/drill/per-vip.js';
import type { RequestRecord, TimelineEvent } from '../../src/drill/types.js';

const servers: Server[] = [];
const urls: string[] = [];

beforeAll(async () => {
  for (const [host, name] of [['127.0.0.1', 'web1'], ['127.0.0.2', 'web2']] as const) {
    const s = createServer((_req, res) => res.setHeader('x-backend', name).end(`${name}\n`));
    await new Promise<void>((r) => s.listen(0, host, r));
    const addr = s.address();
    urls.push(`http://${host}:${typeof addr === 'object' && addr ? addr.port : 0}/`);
    servers.push(s);
  }
});
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

describe('round robin over several URLs', () => {
  it.each([0, 2])('request n goes to URL n mod 2 and names its VIP (keep-alive %i)', async (keepalive) => {
    const client = createRoundRobinClient({ urls, timeoutMs: 2000, keepalive });
    const t0 = performance.now();
    const recs = await Promise.all([0, 1, 2, 3, 4, 5].map((seq) => client.send(seq, 0, t0)));
    await client.close();
    expect(recs.map((r) => [r.kind, r.vip, r.backend])).toEqual([0, 1, 2, 3, 4, 5].map((n) => (n % 2 === 0 ? ['ok', '127.0.0.1', 'web1'] : ['ok', '127.0.0.2', 'web2'])));
  });

  it('--url repeated: every URL kept, the first as url; one --url: no urls', () => {
    const opts = { url: 'http://10.0.0.1/', urls: ['http://10.0.0.1/', 'http://10.0.0.2/'], rate: 10, timeoutMs: 100, durationMs: 1000, keepalive: 0 };
    expect(loadArgs(opts).filter((a) => a.startsWith('http'))).toEqual(opts.urls);
    expect(parseLoadgenArgs(loadArgs(opts))).toEqual({ ...opts, watchStdin: false });
    expect(parseLoadgenArgs(['--url', 'http://10.0.0.1/'])).not.toHaveProperty('urls');
  });
});

describe('per-VIP verdicts', () => {
  const topology = { vip: '10.0.0.1', vips: [{ vip: '10.0.0.1', url: 'http://10.0.0.1/', preferred: 'lb1' }, { vip: '10.0.0.2', url: 'http://10.0.0.2/', preferred: 'lb2' }] };
  const rec = (seq: number, vip: string, kind: RequestRecord['kind'] = 'ok'): RequestRecord => ({ seq, scheduled: seq, started: seq, latency: 1, kind, vip });
  const events: TimelineEvent[] = [
    { t: 0, kind: 'vip', label: 'VIP 10.0.0.1 on lb1', holders: ['lb1'], vip: '10.0.0.1' },
    { t: 0, kind: 'vip', label: 'VIP 10.0.0.2 on lb2', holders: ['lb2'], vip: '10.0.0.2' },
    { t: 5, kind: 'vip', label: 'VIP 10.0.0.2 on lb1 + lb2', holders: ['lb1', 'lb2'], vip: '10.0.0.2' },
  ];

  it('a failure through one VIP fails that VIP only; a split second VIP fails its holder verdict', () => {
    const v = perVipVerdicts([rec(0, '10.0.0.1'), rec(1, '10.0.0.2', 'timeout'), rec(2, '10.0.0.1')], events, 10, topology, []);
    expect(v.map((x) => [x.description, x.pass])).toEqual([
      ['failed requests through VIP 10.0.0.1 (2 sent)', true],
      ['VIP 10.0.0.1 holder at the end', true],
      ['failed requests through VIP 10.0.0.2 (1 sent)', false],
      ['VIP 10.0.0.2 holder at the end', false],
    ]);
  });

  it('a VIP that got no request fails; informational when the scenario only reports failures', () => {
    const v = perVipVerdicts([rec(0, '10.0.0.1')], events.slice(0, 2), 10, topology, [{ id: 'failed-requests', description: '', target: '0', actual: '0', pass: true, informational: true }]);
    expect(v.filter((x) => !x.pass).map((x) => x.description)).toEqual(['requests through VIP 10.0.0.2']);
    expect(v.filter((x) => x.id === 'failed-requests' && x.description.startsWith('failed')).every((x) => x.informational === true)).toBe(true);
  });

  it('the scenario sees the first VIP moves only; one VIP adds nothing', () => {
    expect(primaryEvents(events, topology).map((e) => e.label)).toEqual(['VIP 10.0.0.1 on lb1']);
    expect(perVipVerdicts([rec(0, '10.0.0.1')], events, 10, { vips: [topology.vips[0] as never] }, [])).toEqual([]);
    expect(primaryEvents(events, { vip: '10.0.0.1' })).toBe(events);
  });
});

describe('the drill topology of an active-active lab', () => {
  const m = (host: string, groups: string[]): { host: string; groups: string[]; netns: string; power: 'on' } => ({ host, groups, netns: `ns-${host}`, power: 'on' });
  const state = {
    name: 'aa',
    profile: 'hapb' as const,
    vips: ['192.168.0.150', '192.168.0.151'],
    vipPreferred: { '192.168.0.150': 'lb1', '192.168.0.151': 'lb2' },
    machines: [m('lb3', ['directors']), m('lb1', ['directors']), m('lb2', ['directors']), m('web1', ['web']), m('client', ['clients'])],
  };

  it('the first VIP is the drill VIP; directors: its preferred one, the other VIPs\', then the spares', async () => {
    const { topologyOf } = await import('../../src/drill/lab-adapter.js');
    const t = topologyOf(state);
    expect(t.vip).toBe('192.168.0.150');
    expect(t.directors).toEqual(['lb1', 'lb2', 'lb3']);
    expect(t.vips?.map((v) => [v.vip, v.preferred])).toEqual([['192.168.0.150', 'lb1'], ['192.168.0.151', 'lb2']]);
    expect(() => topologyOf({ ...state, vipPreferred: { '192.168.0.150': 'web1', '192.168.0.151': 'lb2' } })).toThrow(/not a drill topology/);
  });
});

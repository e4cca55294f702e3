/**
 * Connections waiting for a lost segment, read from `ss -tinH` (lines as
 * iproute2 6.1 prints them with a peer that dropped every segment), and the
 * sampler that reads both ends of a lossy director's connections.
 */
import { describe, expect, it } from 'vitest';
import { backoffOf, backoffSampleArgv, parseBackoff, sampleBackoff, servicePortOf } from '../../src/drill/tcp-backoff.js';
import type { RequestRecord } from '../../src/drill/types.js';

// the director's socket (the service port local), then the client's (the service port the peer); one without backoff
const server = [
  'ESTAB 0      0      192.168.0.150:80  192.168.0.10:41234',
  '\t bbr wscale:10,10 rto:1632 backoff:3 rtt:0.075/0.037 mss:1448 cwnd:1 bytes_sent:612 segs_out:5 lastsnd:264',
  'ESTAB 0      0      192.168.0.150:80  192.168.0.10:41240',
  '\t cubic wscale:7,7 rto:204 rtt:0.3/0.1 mss:1448 cwnd:10 bytes_sent:612 lastsnd:4',
].join('\n');
// with a state filter ss leaves the State column out; IPv6 addresses in brackets
const client = ['0      18     [fd00::10]:41250 [fd00::150]:80', '\t cubic rto:408 backoff:1 rtt:0.1/0.05 retrans:1/2 unacked:1 lastsnd:120 notsent:18', ''].join('\n');
// a SYN not answered for 640 ms (no backoff yet: the first RTO is 1 s), and a request unacknowledged for 30 ms only
const waiting = [
  'SYN-SENT 0 1 192.168.0.10:41260 192.168.0.150:80',
  '\t cubic rto:1000 mss:524 cwnd:1 unacked:1 lastsnd:640 lastrcv:640 lastack:640',
  'ESTAB 0 0 192.168.0.10:41262 192.168.0.150:80',
  '\t cubic rto:204 rtt:0.3/0.1 unacked:1 lastsnd:30',
].join('\n');

describe('parseBackoff', () => {
  it('gives the client port of each connection in backoff, at either end', () => {
    expect(parseBackoff(server, 80)).toEqual([{ port: 41234, backoff: 3, unackedMs: 0 }]);
    expect(parseBackoff(client, 80)).toEqual([{ port: 41250, backoff: 1, unackedMs: 120 }]);
  });
  it('and of each with data unacknowledged 250 ms or more after its last send (a lost SYN too)', () => {
    expect(parseBackoff(waiting, 80)).toEqual([{ port: 41260, backoff: 0, unackedMs: 640 }]);
  });
  it('ignores connections without backoff, empty output and lines it does not know', () => {
    expect(parseBackoff('', 80)).toEqual([]);
    expect(parseBackoff('\t backoff:2\n', 80)).toEqual([]);
    expect(parseBackoff('garbage\n\t rto:200\n', 80)).toEqual([]);
    expect(parseBackoff('ESTAB 0 0 1.2.3.4:80 1.2.3.5:5000\n\t rto:200 backoff:0\n', 80)).toEqual([]);
  });
});

describe('backoffOf', () => {
  const r: RequestRecord = { seq: 7, scheduled: 1000, started: 1000, latency: 5000, kind: 'timeout', port: 41234 };
  it('matches the request\'s own port while it was in flight only', () => {
    const inside = { t: 3000, port: 41234, host: 'lb1', backoff: 3, unackedMs: 0 };
    expect(backoffOf(r, [inside, { ...inside, port: 41235 }, { ...inside, t: 6100 }, { ...inside, t: 900 }])).toEqual([inside]);
    expect(backoffOf({ ...r, port: undefined }, [inside])).toEqual([]);
  });
});

describe('sampleBackoff', () => {
  it('reads both ends every period until the end, keeping what it saw and when', async () => {
    let now = 2000;
    const calls: string[] = [];
    const seen = await sampleBackoff({
      exec: async (host, argv) => {
        calls.push(`${now} ${host} ${argv.join(' ')}`);
        if (host === 'client') throw new Error('powered off');
        return { rc: 0, stdout: now === 2500 ? server : '' };
      },
      now: () => now,
      at: async (ms) => void (now = Math.max(now, ms)),
      server: 'lb1',
      client: 'client',
      servicePort: 80,
      untilMs: 3000,
    });
    expect(seen).toEqual([{ t: 2500, port: 41234, host: 'lb1', backoff: 3, unackedMs: 0 }]);
    expect(calls).toEqual([
      '2000 lb1 ss -tinH ( sport = :80 )',
      '2000 client ss -tinH ( dport = :80 )',
      '2500 lb1 ss -tinH ( sport = :80 )',
      '2500 client ss -tinH ( dport = :80 )',
    ]);
  });
  it('the filter for each end, and the port of a URL', () => {
    expect(backoffSampleArgv(443, 'server')).toEqual(['ss', '-tinH', '( sport = :443 )']);
    expect(servicePortOf('http://192.168.0.150/')).toBe(80);
    expect(servicePortOf('https://[fd00::150]/')).toBe(443);
    expect(servicePortOf('http://10.0.0.1:8080/')).toBe(8080);
  });
});

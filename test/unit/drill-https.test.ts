/** The verdicts HTTPS adds: handshake counts, and resumption on the director that took the VIP over. */
import { describe, expect, it } from 'vitest';
import { resumedAfterFailover, tlsVerdicts, vipMove } from '../../src/drill/https.js';
import type { RequestRecord, TimelineEvent } from '../../src/drill/types.js';

const rec = (seq: number, connected: number, tls?: 'full' | 'resumed'): RequestRecord => ({
  seq, scheduled: connected - 2, started: connected - 2, latency: 3, kind: 'ok', connected, ...(tls ? { tls } : {}),
});
const events: TimelineEvent[] = [
  { t: 0, kind: 'vip', label: 'VIP on master', holders: ['master'], from: [] },
  { t: 2000, kind: 'fault', label: 'master loses power' },
  { t: 2100, kind: 'vip', label: 'VIP nowhere', holders: [], from: ['master'] },
  { t: 2200, kind: 'vip', label: 'VIP on backup', holders: ['backup'], from: [] },
  { t: 9000, kind: 'vip', label: 'VIP on master', holders: ['master'], from: ['backup'] },
];

describe('drill over HTTPS', () => {
  it('the move is the first time one director holds the VIP after the other one held it alone', () => {
    expect(vipMove(events)).toEqual({ t: 2200, from: 'master', to: 'backup' });
    expect(vipMove([{ t: 5, kind: 'vip', label: '', holders: ['backup'], from: ['master'] }])).toBeUndefined();
    expect(vipMove(events.slice(0, 3))).toBeUndefined();
  });

  it('passes when the first handshake after the move resumed, fails when it was full', () => {
    const direct: TimelineEvent[] = [
      { t: 0, kind: 'vip', label: '', holders: ['master'], from: [] },
      { t: 1000, kind: 'vip', label: '', holders: ['backup'], from: ['master'] },
    ];
    const ok = resumedAfterFailover([rec(0, 10, 'full'), rec(1, 500, 'resumed'), rec(2, 1001, 'resumed'), rec(3, 1002), rec(4, 1010, 'full')], direct);
    expect(ok).toMatchObject({ id: 'tls-resumed-after-failover', pass: true, actual: 'resumed (request #2); of the first 2: 1 resumed' });
    const bad = resumedAfterFailover([rec(1, 500, 'resumed'), rec(2, 1005, 'resumed'), rec(4, 1001, 'full')], direct);
    expect(bad).toMatchObject({ pass: false, actual: 'full (request #4); of the first 2: 1 resumed' });
    expect(resumedAfterFailover([rec(1, 500, 'resumed')], direct)).toMatchObject({ pass: false, actual: 'no handshake after the move' });
  });

  it('adds nothing over plain HTTP; over HTTPS the counts, and the failover verdict only when the VIP moved', () => {
    expect(tlsVerdicts([rec(0, 1, 'full')], [], false)).toEqual([]);
    const v = tlsVerdicts([rec(0, 1, 'full'), rec(1, 2, 'resumed')], [], true);
    expect(v).toEqual([{ id: 'tls-handshakes', description: 'TLS handshakes, resumed sessions, TLS failures', target: 'reported', actual: '2 handshakes, 1 resumed, 0 TLS failures', pass: true, informational: true }]);
  });
});

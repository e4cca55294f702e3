import { describe, expect, it } from 'vitest';
import { parseCyclictest, stallAt } from '../../bench/stall-probe.js';

// cyclictest -m -p 99 -i 1000 -t 2 -a -q --spike=20000, as printed on this project's 2-core box (2026-12-07)
const OUT = `# /dev/cpu_dma_latency set to 0us
T: 0 (12196) P:99 I:1000 C:1139394 Min:      8 Act:   48 Avg:   39 Max:  100436
T: 1 (12197) P:99 I:1500 C: 759607 Min:      8 Act:   26 Avg:   42 Max:  101252

T: 1 Spike:  100922: TS:   1856839267
T: 0 Spike:   99650: TS:   2118241263
T: 1 Spike:   99566: TS:   2118241411
spikes = 3
`;

describe('stall probe: cyclictest output', () => {
  const offsetUs = 1_796_607_000_000_000; // wall-clock µs at monotonic 0
  const r = parseCyclictest(OUT, offsetUs);

  it('reads the largest delay of each thread', () => {
    expect(r.maxUs).toEqual([100436, 101252]);
  });

  it('turns each spike into a stall ending at wall-clock time, in time order', () => {
    expect(r.stalls).toEqual([
      { thread: 1, latencyUs: 100922, endMs: (1856839267 + offsetUs) / 1000 },
      { thread: 0, latencyUs: 99650, endMs: (2118241263 + offsetUs) / 1000 },
      { thread: 1, latencyUs: 99566, endMs: (2118241411 + offsetUs) / 1000 },
    ]);
  });

  it('finds the stall that covers a moment: from its start (end - delay) to its end, with slack', () => {
    const end = (1856839267 + offsetUs) / 1000;
    expect(stallAt(r.stalls, end - 50)?.latencyUs).toBe(100922); // inside the 101 ms stall
    expect(stallAt(r.stalls, end - 100.9 - 19)?.latencyUs).toBe(100922); // just before it began, within 20 ms slack
    expect(stallAt(r.stalls, end - 100.9 - 25)).toBeUndefined();
    expect(stallAt(r.stalls, end + 25)).toBeUndefined();
    expect(stallAt([], end)).toBeUndefined();
  });

  it('reads nothing from an output without summary (cyclictest missing or killed)', () => {
    expect(parseCyclictest('spawn cyclictest ENOENT', 0)).toEqual({ maxUs: [], stalls: [] });
  });
});

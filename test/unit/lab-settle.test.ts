/** What "settled" means after `lab up`'s converge (src/lab/settle.ts); the real wait: test/integration/lab-converge.test.ts. */
import { describe, expect, it } from 'vitest';
import { preferredHolder, unsettled, type SettleSnapshot } from '../../src/lab/settle.js';

const on: [string, string] = ['enabled', 'active'];

function snap(over: Partial<SettleSnapshot> = {}): SettleSnapshot {
  return {
    machines: [
      { host: 'master', running: true, units: { nginx: on, keepalived: on, ssh: on } },
      { host: 'backup', running: true, units: { nginx: on, keepalived: on, ssh: on } },
      { host: 'client', running: true, units: { nginx: ['disabled', 'inactive'], ssh: on } },
    ],
    vips: { '192.168.0.150': ['master'] },
    ...over,
  };
}

describe('lab settle', () => {
  it('the preferred holder is the highest keepalived_priority; none without priorities', () => {
    expect(preferredHolder({ hosts: [{ name: 'backup', priority: 90 }, { name: 'master', priority: 100 }, { name: 'web1' }] as never })).toBe('master');
    expect(preferredHolder({ hosts: [{ name: 'a' }, { name: 'b' }] as never })).toBeUndefined();
  });

  it('settled: every enabled unit active, the VIP on the preferred director', () => {
    expect(unsettled(snap(), 'master')).toEqual([]);
  });

  it('says what is not settled yet', () => {
    const s = snap({ vips: { '192.168.0.150': ['backup'] } });
    const m = s.machines[1];
    if (m) m.units.keepalived = ['enabled', 'activating'];
    expect(unsettled(s, 'master')).toEqual(['keepalived activating on backup', 'the VIP 192.168.0.150 is on backup, not yet on master']);
    expect(unsettled(snap({ vips: { '192.168.0.150': [] } }), 'master')).toEqual(['nobody holds the VIP 192.168.0.150']);
    expect(unsettled(snap({ vips: { '192.168.0.150': ['master', 'backup'] } }), undefined)).toEqual(['master and backup both hold the VIP 192.168.0.150']);
    expect(unsettled(snap({ machines: [{ host: 'web1', running: false, units: {} }] }), 'master')).toEqual(['web1 is not running']);
  });

  it('without priorities any single holder is settled', () => {
    expect(unsettled(snap({ vips: { '192.168.0.150': ['backup'] } }), undefined)).toEqual([]);
  });
});

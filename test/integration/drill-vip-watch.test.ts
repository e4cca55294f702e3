/**
 * The lab adapter's VIP watch on real namespaces: `ip monitor address` in each
 * director's namespace wakes the watcher when the VIP is added or removed, long
 * before the (here 60 s) poll would. The lab API is a stand-in whose address
 * reads are the real `ip -j addr` of our own namespaces.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labControl, type LabApi, type LabStateLike } from '../../src/drill/lab-adapter.js';
import type { TimelineEvent } from '../../src/drill/types.js';
import { watchVip } from '../../src/drill/vip-watcher.js';
import { canUseNamespaces } from '../helpers/env.js';

const tag = `hapb-t-drillvip-${process.pid}`;
const ns = { master: `${tag}-m`, backup: `${tag}-b` };
const vip = '10.199.0.150';

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8' });
}

const state: LabStateLike = {
  name: tag,
  vips: [vip],
  profile: 'hapb',
  machines: [
    { host: 'master', groups: ['directors'], netns: ns.master, power: 'on' },
    { host: 'backup', groups: ['directors'], netns: ns.backup, power: 'on' },
    { host: 'web1', groups: ['web'], netns: `${tag}-w`, power: 'on' },
    { host: 'client', groups: ['clients'], netns: `${tag}-c`, power: 'on' },
  ],
};

const unused = (): Promise<never> => Promise.reject(new Error('not used here'));
const api: LabApi = {
  execIn: unused,
  poweroff: unused,
  poweron: unused,
  cut: unused,
  uncut: unused,
  partition: unused,
  heal: unused,
  convergeLab: unused,
  loadLab: () => state,
  addressesIn: async (netns) => {
    const links = JSON.parse(ip('-n', netns, '-j', 'addr', 'show')) as { addr_info?: { family: string; local?: string }[] }[];
    return links.flatMap((l) => (l.addr_info ?? []).filter((a) => a.family === 'inet').map((a) => a.local ?? ''));
  },
};

describe.skipIf(!canUseNamespaces)('VIP watch through ip monitor in real namespaces', () => {
  beforeAll(() => {
    for (const n of Object.values(ns)) {
      ip('netns', 'add', n);
      ip('-n', n, 'link', 'set', 'lo', 'up');
    }
  });
  afterAll(() => {
    for (const n of Object.values(ns)) {
      try {
        ip('netns', 'del', n);
      } catch {
        // gone
      }
    }
  });

  it('sees the VIP move from master to backup without waiting for the poll', async () => {
    const lab = labControl(api, tag);
    const events: TimelineEvent[] = [];
    ip('-n', ns.master, 'addr', 'add', `${vip}/32`, 'dev', 'lo');
    const t0 = Date.now();
    const w = watchVip(() => lab.vipHolders(), () => Date.now() - t0, (e) => events.push(e), 60_000, (wake) => lab.onAddressChange?.(wake) ?? (() => undefined));
    const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
    await sleep(300); // the monitors start listening
    ip('-n', ns.master, 'addr', 'del', `${vip}/32`, 'dev', 'lo');
    await sleep(300);
    ip('-n', ns.backup, 'addr', 'add', `${vip}/32`, 'dev', 'lo');
    await sleep(300);
    await w.stop();
    expect(events.map((e) => e.holders)).toEqual([['master'], [], ['backup']]);
    // with a 60 s poll only the monitor can have seen the two changes in time
    expect(events.at(-1)?.t ?? Infinity).toBeLessThan(5000);
  });
});

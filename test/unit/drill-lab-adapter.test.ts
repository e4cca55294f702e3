/** The LabControl adapter over a recording stand-in of src/lab's API (the real lab is exercised by the lab's tests). */
import { describe, expect, it } from 'vitest';
import { labControl, topologyOf, type LabApi, type LabStateLike } from '../../src/drill/lab-adapter.js';
import { HapbError } from '../../src/errors/index.js';

function seedState(): LabStateLike {
  const m = (host: string, groups: string[]) => ({ host, groups, netns: `hapb-t-${host}`, power: 'on' as const });
  return {
    name: 't',
    vips: ['192.168.0.150'],
    profile: 'hapb',
    machines: [m('backup', ['directors']), m('master', ['directors']), m('web1', ['web']), m('web2', ['web']), m('client', ['clients'])],
  };
}

function recordingApi(state: LabStateLike, addrs: Record<string, string[]>): LabApi & { calls: string[] } {
  const calls: string[] = [];
  const rec = (s: string) => {
    calls.push(s);
    return Promise.resolve();
  };
  /** the lab's poweroff/cut/uncut resolve to the epoch ms the fault took effect */
  const stamped = (s: string) => (calls.push(s), Promise.resolve(0));
  return {
    calls,
    execIn: async (_l, host, argv) => (calls.push(`exec ${host} ${argv.join(' ')}`), { rc: 0, stdout: 'ok', stderr: '' }),
    poweroff: (_l, h) => stamped(`poweroff ${h}`),
    poweron: (_l, h) => rec(`poweron ${h}`),
    cut: (_l, h) => stamped(`cut ${h}`),
    uncut: (_l, h) => stamped(`uncut ${h}`),
    partition: (_l, a, b) => rec(`partition ${a.join(',')}|${b.join(',')}`),
    heal: () => rec('heal'),
    addressesIn: async (ns) => (calls.push(`addr ${ns}`), addrs[ns] ?? []),
    loadLab: () => state,
    convergeLab: (name, _c, opts) => rec(`converge ${name} ${opts?.profile ?? ''}`),
  };
}

describe('lab adapter', () => {
  it('reads the seed topology: master first, web backends, the client, the VIP', () => {
    expect(topologyOf(seedState())).toEqual({
      directors: ['master', 'backup'],
      backends: ['web1', 'web2'],
      client: 'client',
      vip: '192.168.0.150',
      url: 'http://192.168.0.150/',
    });
  });

  it('refuses a lab without two directors', () => {
    const s = seedState();
    s.machines = s.machines.filter((m) => m.host !== 'backup');
    expect(() => topologyOf(s)).toThrow(HapbError);
  });

  it('asks only powered-on directors for the VIP', async () => {
    const s = seedState();
    const api = recordingApi(s, { 'hapb-t-master': ['192.168.0.40', '192.168.0.150'], 'hapb-t-backup': ['192.168.0.41'] });
    const lab = labControl(api, 't');
    expect(await lab.vipHolders()).toEqual(['master']);
    const master = s.machines.find((m) => m.host === 'master');
    if (master) master.power = 'off';
    api.calls.length = 0;
    expect(await lab.vipHolders()).toEqual([]);
    expect(api.calls).toEqual(['addr hapb-t-backup']);
  });

  it('applyProfile heals, powers on, uncuts, then converges with the hook', async () => {
    const s = seedState();
    const web1 = s.machines.find((m) => m.host === 'web1');
    if (web1) web1.power = 'off';
    const master = s.machines.find((m) => m.host === 'master');
    if (master) master.cut = true;
    const api = recordingApi(s, {});
    await labControl(api, 't', { converge: async () => undefined }).applyProfile('tutorial');
    expect(api.calls).toEqual(['heal', 'uncut master', 'poweron web1', 'converge t tutorial']);
  });

  it('without a converge hook only the lab’s own profile can be applied', async () => {
    const api = recordingApi(seedState(), {});
    await expect(labControl(api, 't').applyProfile('hapb')).resolves.toBeUndefined();
    await expect(labControl(api, 't').applyProfile('tutorial')).rejects.toThrow(/runs profile hapb, not tutorial/);
  });

  it('checkOnly (--no-converge): heals, powers on, uncuts, converges nothing; another profile is refused before anything is done', async () => {
    const s = seedState();
    const master = s.machines.find((m) => m.host === 'master');
    if (master) master.cut = true;
    const api = recordingApi(s, {});
    const lab = labControl(api, 't', { converge: async () => undefined, checkOnly: true });
    await lab.applyProfile('hapb');
    expect(api.calls).toEqual(['heal', 'uncut master']);
    api.calls.length = 0;
    await expect(labControl(recordingApi(seedState(), {}), 't', { converge: async () => undefined, checkOnly: true }).applyProfile('tutorial')).rejects.toThrow(
      /runs profile hapb, not tutorial, and --no-converge converges nothing/,
    );
    expect(api.calls).toEqual([]);
  });

  it('checkOnly: only the start converges nothing; converge-under-load (a later call) converges for real', async () => {
    const api = recordingApi(seedState(), {});
    const lab = labControl(api, 't', { converge: async () => undefined, checkOnly: true });
    await lab.applyProfile('hapb');
    expect(api.calls).toEqual(['heal']);
    api.calls.length = 0;
    await lab.applyProfile('hapb');
    expect(api.calls).toEqual(['heal', 'converge t hapb']);
  });

  it('no engine: a later call (converge-under-load) is an error, not a pass that converged nothing', async () => {
    const api = recordingApi(seedState(), {});
    const lab = labControl(api, 't');
    await lab.applyProfile('hapb');
    api.calls.length = 0;
    await expect(lab.applyProfile('hapb')).rejects.toThrow(/no engine is wired to converge it, and converge-under-load converges while the load runs/);
    expect(api.calls).toEqual([]);
  });

  it('passes faults and exec through with the lab name', async () => {
    const api = recordingApi(seedState(), {});
    const lab = labControl(api, 't');
    await lab.poweroff('master');
    await lab.partition(['master'], ['backup']);
    expect(await lab.exec('web1', ['systemctl', 'stop', 'nginx'])).toMatchObject({ rc: 0 });
    expect(api.calls).toEqual(['poweroff master', 'partition master|backup', 'exec web1 systemctl stop nginx']);
  });

  it('reads nginx on every director only on a lab up with --monitor; an unreadable one is undefined', async () => {
    expect(labControl(recordingApi(seedState(), {}), 't').nginxCounters).toBeUndefined();
    const s = { ...seedState(), monitor: true };
    const api = recordingApi(s, {});
    api.execIn = async (_l, host, argv) => {
      api.calls.push(`exec ${host} ${argv.slice(0, 2).join(' ')}`);
      if (host === 'backup') throw new Error('backup is powered off');
      return { rc: 0, stdout: 'process 77:4242\nActive connections: 1 \nserver accepts handled requests\n 5 5 123 \nReading: 0 Writing: 1 Waiting: 0 \n', stderr: '' };
    };
    const lab = labControl(api, 't');
    expect(await lab.nginxCounters?.()).toEqual({ master: { process: '77:4242', requests: 123 }, backup: undefined });
    expect(api.calls).toEqual(['exec master sh -c', 'exec backup sh -c']);
  });
});

/**
 * The healthy start: reading a machine's services, what differs from the
 * healthy state, who made it, and the loop that repairs and verifies, over the
 * in-memory lab. The real lab: test/integration/drill-lab-catch.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { diagnose, ensureHealthy, findingOf, parseProbe, type ClusterFacts, type MachineFacts } from '../../src/drill/healthy.js';
import { runDrill } from '../../src/drill/run-drill.js';
import type { DrillState, Scenario } from '../../src/drill/scenarios/types.js';
import { MemoryLab } from '../golden/drill/memory-lab.js';
import { VirtualClock } from '../helpers/virtual-clock.js';

const heal = { graceMs: 200, vipMs: 2000, stableMs: 100, pollMs: 20 };
const ok = { enabled: 'enabled', active: 'active', result: 'success' };
const off = { enabled: 'disabled', active: 'inactive', result: 'success' };

function machine(host: string, units: MachineFacts['units'], extra: Partial<MachineFacts> = {}): MachineFacts {
  return { host, power: 'on', cut: false, units, keepalivedStoppers: [], ...extra };
}

function healthy(): ClusterFacts {
  return {
    machines: [
      machine('master', { nginx: ok, keepalived: ok, ssh: ok }),
      machine('backup', { nginx: ok, keepalived: ok, ssh: ok }),
      machine('web1', { nginx: ok, keepalived: off, ssh: ok }),
      machine('client', { nginx: off, keepalived: off, ssh: ok }),
    ],
    partitioned: false,
    vipHolders: ['master'],
  };
}
const topology = { directors: ['master', 'backup'] as [string, string] };

describe('parseProbe', () => {
  it('reads one line per unit and the scripts that stop keepalived', () => {
    const p = parseProbe(
      'unit nginx enabled failed signal\nunit keepalived enabled inactive success\nunit hapb-vip-lo - inactive success\nstopper /etc/keepalived/check_nginx.sh\n',
    );
    expect(p.units).toEqual({
      nginx: { enabled: 'enabled', active: 'failed', result: 'signal' },
      keepalived: { enabled: 'enabled', active: 'inactive', result: 'success' },
      'hapb-vip-lo': { enabled: '', active: 'inactive', result: 'success' },
    });
    expect(p.keepalivedStoppers).toEqual(['/etc/keepalived/check_nginx.sh']);
  });

  it("reads systemctl show's blocks, whatever the order of a block's lines (as systemd 252 prints them)", () => {
    const show = [
      'Result=signal',
      'Id=nginx.service',
      'ActiveState=failed',
      'UnitFileState=enabled',
      '',
      'Id=keepalived.service',
      'ActiveState=inactive',
      'UnitFileState=disabled',
      'Result=success',
      '',
      'Result=success',
      'Id=hapb-firewall.service',
      'ActiveState=inactive',
      'UnitFileState=',
      'stopper /etc/keepalived/check_nginx.sh',
      'probed',
    ].join('\n');
    const p = parseProbe(show + '\n');
    expect(p.units).toEqual({
      nginx: { enabled: 'enabled', active: 'failed', result: 'signal' },
      keepalived: { enabled: 'disabled', active: 'inactive', result: 'success' },
      'hapb-firewall': { enabled: '', active: 'inactive', result: 'success' },
    });
    expect(p.keepalivedStoppers).toEqual(['/etc/keepalived/check_nginx.sh']);
  });

  it('a shell that ran while systemctl could not (a machine still booting): every service, facts empty; no output at all: none', () => {
    const booting = parseProbe('probed\n');
    expect(Object.keys(booting.units)).toEqual(['nginx', 'keepalived', 'ssh', 'hapb-firewall', 'hapb-vip-lo']);
    expect(Object.values(booting.units).every((u) => u.enabled === '' && u.active === '' && u.result === '')).toBe(true);
    expect(parseProbe('').units).toEqual({});
  });
});

describe('diagnose', () => {
  it('finds nothing wrong with a healthy cluster; disabled units need not run', () => {
    expect(diagnose(healthy(), topology)).toEqual([]);
    expect(diagnose({ ...healthy(), client: { answered: true, status: '200', arpHost: 'master' } }, topology)).toEqual([]);
  });

  it("the client's view counts only once the VIP is where it belongs", () => {
    const client = { answered: false, status: 'no answer within 1 s', arpHost: 'backup' };
    expect(diagnose({ ...healthy(), client }, topology)).toMatchObject([{ kind: 'client', arpHost: 'backup', holder: 'master' }]);
    expect(diagnose({ ...healthy(), vipHolders: ['backup'], client }, topology).map((p) => p.kind)).toEqual(['vip']);
  });

  it('lists network, power, services (nginx first) and the VIP, in repair order', () => {
    const f = healthy();
    f.partitioned = true;
    f.vipHolders = ['backup'];
    f.machines[0] = machine('master', { keepalived: { enabled: 'enabled', active: 'inactive', result: 'success' }, nginx: { enabled: 'enabled', active: 'failed', result: 'signal' }, ssh: ok });
    f.machines[2] = { ...machine('web1', {}), power: 'off', cut: true };
    expect(diagnose(f, topology).map((p) => p.kind + ('host' in p ? ` ${p.host}` : '') + ('unit' in p ? ` ${p.unit}` : ''))).toEqual([
      'partition',
      'cut web1',
      'power web1',
      'service master nginx',
      'service master keepalived',
      'vip',
    ]);
  });

  it('a split brain and nobody holding the VIP are both unhealthy', () => {
    expect(diagnose({ ...healthy(), vipHolders: ['master', 'backup'] }, topology)).toMatchObject([{ kind: 'vip', holders: ['master', 'backup'] }]);
    expect(diagnose({ ...healthy(), vipHolders: [] }, topology)).toMatchObject([{ kind: 'vip', holders: [] }]);
  });
});

describe('findingOf', () => {
  const stopped = { enabled: 'enabled', active: 'inactive', result: 'success' };
  it("names a check script that stops keepalived as the cause when the drill did not stop it", () => {
    const f = healthy();
    f.machines[0] = machine('master', { nginx: ok, keepalived: stopped, ssh: ok }, { keepalivedStoppers: ['/etc/keepalived/check_nginx.sh'] });
    const [p] = diagnose(f, topology);
    if (!p) throw new Error('a problem expected');
    const finding = findingOf(p, {}, f, 'tutorial');
    expect(finding).toMatchObject({ host: 'master', cause: 'cluster', problem: 'keepalived inactive on master', repair: 'systemctl start keepalived on master' });
    expect(finding.explanation).toContain('/etc/keepalived/check_nginx.sh');
    expect(finding.explanation).toContain('nothing restarts it');
  });

  it('says the drill made a fault it made (nginx it killed and nothing restarted)', () => {
    const f = healthy();
    f.machines[0] = machine('master', { nginx: { enabled: 'enabled', active: 'failed', result: 'signal' }, keepalived: ok, ssh: ok });
    const [p] = diagnose(f, topology);
    if (!p) throw new Error('a problem expected');
    const state: DrillState = { nginxDown: 'master' };
    expect(findingOf(p, state, f, 'tutorial')).toMatchObject({ cause: 'drill', problem: 'nginx failed (signal) on master' });
    expect(findingOf(p, {}, f, 'tutorial').cause).toBe('cluster');
  });
});

describe('ensureHealthy over the in-memory lab', () => {
  it('a healthy cluster: nothing repaired, nothing done', async () => {
    const lab = new MemoryLab(20, new VirtualClock());
    expect(await ensureHealthy(lab, 'hapb', {}, { ...heal, clock: lab.clock })).toEqual([]);
    expect(lab.log).toEqual([]);
  });

  it('keepalived stopped by a check script on lb1, the VIP on lb2: starts keepalived, waits for the VIP, reports both', async () => {
    const lab = new MemoryLab(50, new VirtualClock());
    lab.stoppers = ['/etc/keepalived/check_nginx.sh'];
    lab.stopped.set('lb1 keepalived', 'inactive success');
    lab.holders = ['lb2'];
    const state: DrillState = { nginxDown: 'lb1' };
    const found = await ensureHealthy(lab, 'tutorial', state, { ...heal, clock: lab.clock });
    expect(found.map((f) => [f.host, f.cause, f.problem])).toEqual([
      ['lb1', 'cluster', 'keepalived inactive on lb1'],
      ['VIP', 'cluster', 'the VIP is on lb2, not on lb1'],
    ]);
    expect(found[0]?.explanation).toMatch(/check_nginx\.sh .*stops keepalived/);
    expect(found[1]?.repair).toMatch(/^none: back on lb1 [\d.]+ s after the repairs above$/);
    expect(lab.log).toEqual(['lb1: sh -c systemctl reset-failed keepalived.service 2>/dev/null; systemctl start keepalived.service']);
    expect(await lab.vipHolders()).toEqual(['lb1']);
    expect(state).toEqual({});
  });

  it('waits out the grace period: a fault the cluster heals by itself is no finding', async () => {
    const lab = new MemoryLab(20, new VirtualClock());
    lab.stopped.set('web1 nginx', 'activating success');
    void lab.clock.sleep(80).then(() => lab.stopped.delete('web1 nginx'));
    expect(await ensureHealthy(lab, 'hapb', {}, { ...heal, clock: lab.clock })).toEqual([]);
    expect(lab.log).toEqual([]);
  });

  it('a VIP that stays on the backup with nothing else wrong: keepalived restarted there', async () => {
    const lab = new MemoryLab(30, new VirtualClock());
    lab.holders = ['lb2'];
    const found = await ensureHealthy(lab, 'hapb', {}, { ...heal, clock: lab.clock });
    expect(found).toHaveLength(1);
    expect(found[0]?.repair).toBe('restarted keepalived on lb2 so that lb1 takes the VIP');
    expect(await lab.vipHolders()).toEqual(['lb1']);
  });

  /** the time (since `from`) at which each logged action of the lab happened */
  const timed = (lab: MemoryLab, from: number): string[] => {
    const out: string[] = [];
    const push = lab.log.push.bind(lab.log);
    const stamped = (...items: string[]): number => {
      for (const i of items) out.push(`${lab.clock.now() - from} ${i}`);
      return push(...items);
    };
    Object.defineProperty(lab.log, 'push', { value: stamped, enumerable: false });
    return out;
  };

  it('powers on what the drill powered off, and says so', async () => {
    const lab = new MemoryLab(30, new VirtualClock());
    await lab.poweroff('lb1');
    lab.log.length = 0;
    const at = timed(lab, lab.clock.now());
    const found = await ensureHealthy(lab, 'hapb', { poweredOff: 'lb1' }, { ...heal, clock: lab.clock });
    // nothing powers a machine on by itself: no grace period waited out first
    expect(at).toEqual(['0 poweron lb1']);
    expect(found[0]).toMatchObject({ host: 'lb1', cause: 'drill', repair: 'hapb lab poweron lb1' });
    // the VIP on lb2 follows from the drill's fault alone
    expect(found[1]).toMatchObject({ host: 'VIP', cause: 'drill', explanation: 'a consequence of the faults above' });
    expect(lab.log).toEqual(['poweron lb1']);
    expect(await lab.vipHolders()).toEqual(['lb1']);
  });

  it('starts at once the backend nginx the drill stopped: nothing on a backend restarts it', async () => {
    const lab = new MemoryLab(20, new VirtualClock());
    lab.stopped.set('web1 nginx', 'inactive success');
    const at = timed(lab, lab.clock.now());
    const found = await ensureHealthy(lab, 'hapb', { backendStopped: 'web1' }, { ...heal, clock: lab.clock });
    expect(found.map((f) => [f.host, f.cause])).toEqual([['web1', 'drill']]);
    expect(at).toHaveLength(1);
    expect(at[0]).toMatch(/^0 web1: /);
  });

  it('waits out the grace period for what may heal by itself: a killed nginx, a VIP away beside a stopped backend', async () => {
    const killed = new MemoryLab(20, new VirtualClock());
    killed.stopped.set('lb1 nginx', 'failed signal');
    const atKilled = timed(killed, killed.clock.now());
    await ensureHealthy(killed, 'hapb', { nginxDown: 'lb1' }, { ...heal, clock: killed.clock });
    expect(Number(atKilled[0]?.split(' ')[0])).toBeGreaterThanOrEqual(heal.graceMs);

    const stray = new MemoryLab(20, new VirtualClock());
    stray.stopped.set('web1 nginx', 'inactive success');
    stray.holders = ['lb2'];
    const atStray = timed(stray, stray.clock.now());
    await ensureHealthy(stray, 'hapb', { backendStopped: 'web1' }, { ...heal, clock: stray.clock });
    expect(Number(atStray[0]?.split(' ')[0])).toBeGreaterThanOrEqual(heal.graceMs);
  });

  it("a client whose ARP entry still names the director that gave the VIP up: flushed, and said why", async () => {
    const lab = new MemoryLab(20, new VirtualClock());
    lab.staleArpOn = 'lb2';
    const found = await ensureHealthy(lab, 'tutorial', {}, { ...heal, clock: lab.clock });
    expect(found.map((f) => [f.host, f.cause, f.problem])).toEqual([
      ['client', 'cluster', 'client gets no answer from the VIP (no answer within 1 s); its ARP entry for the VIP points at lb2, not lb1'],
    ]);
    expect(found[0]?.explanation).toMatch(/lb2 announced the VIP last .* nobody announced it again/);
    expect(lab.log).toEqual(['client: ip neigh flush to 10.199.0.100']);
  });

  it('a service that will not start: an error naming it', async () => {
    const lab = new MemoryLab(20, new VirtualClock());
    lab.stopped.set('web1 nginx', 'failed exit-code');
    const exec = lab.exec.bind(lab);
    lab.exec = async (host, argv) => (host === 'web1' && argv.join(' ').includes('start') ? { rc: 0, stdout: '', stderr: '' } : exec(host, argv));
    await expect(ensureHealthy(lab, 'hapb', {}, { ...heal, clock: lab.clock })).rejects.toThrow(/not healthy after repairs: nginx failed \(exit-code\) on web1/);
  });
});

describe('runDrill: healthy-start and carry-over', () => {
  /** the cluster hurts itself: keepalived on the VIP holder stops (like the tutorial's check script) */
  const selfHarm: Scenario = {
    name: 'self-harm',
    description: 'keepalived on lb1 stops by itself',
    durationMs: 200,
    run: async (ctx) => {
      await ctx.at(50);
      const lab = ctx.lab as MemoryLab;
      lab.stopped.set('lb1 keepalived', 'inactive success');
      lab.holders = ['lb2'];
    },
    verdicts: () => [],
  };
  const quiet: Scenario = { name: 'quiet', description: 'nothing', durationMs: 200, run: async () => undefined, verdicts: () => [] };
  const opts = { rate: 50, timeoutMs: 1000, keepalive: 0, vipPollMs: 20, settleMs: 0, heal };

  it('healthy-start: the repair is a finding of the scenario that left it; the next one starts with the VIP on lb1', async () => {
    const lab = new MemoryLab(30, new VirtualClock());
    lab.stoppers = ['/etc/keepalived/check_nginx.sh'];
    const report = await runDrill(lab, [selfHarm, quiet], ['tutorial'], { ...opts, clock: lab.clock });
    expect(report.mode).toBe('healthy-start');
    const [a, b] = report.results;
    expect(a?.findings?.map((f) => f.problem)).toEqual(['keepalived inactive on lb1', 'the VIP is on lb2, not on lb1']);
    expect(b?.findings).toEqual([]);
    expect(b?.events[0]).toMatchObject({ kind: 'vip', holders: ['lb1'] });
  });

  it('carry-over: nothing repaired, no findings; the next one starts where the last one ended', async () => {
    const lab = new MemoryLab(30, new VirtualClock());
    const report = await runDrill(lab, [selfHarm, quiet], ['tutorial'], { ...opts, clock: lab.clock, mode: 'carry-over' });
    expect(report.mode).toBe('carry-over');
    const [a, b] = report.results;
    expect(a?.findings).toBeUndefined();
    expect(b?.events[0]).toMatchObject({ kind: 'vip', holders: ['lb2'] });
  });
});

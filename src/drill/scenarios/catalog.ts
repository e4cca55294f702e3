/**
 * The scenarios. Faults start 2 s into the load so the picture shows a quiet
 * stretch first. Paired scenarios (killed → recover, stopped → started,
 * poweroff → poweron) chain through DrillState; run alone, the second one
 * first brings about what the first would have left.
 */
import {
  allBackendsAnswered,
  lostWithDeathReport,
  backendAbsent,
  backendPresent,
  maxLatencyWithin,
  noFailedRequests,
  splitBrain,
  vipHeldAtEnd,
  vipAwayAtEnd,
  vipMovedWithin,
} from '../assertions.js';
import type { LabControl } from '../lab-control.js';
import type { Verdict } from '../types.js';
import { cmd, killNginxStamped, run, waitSingleHolder } from './steps.js';
import type { Fault, Scenario, ScenarioContext, VerdictInput } from './types.js';

const faultAt = 2000;

/** a string fact the scenario's run recorded ('' if none) */
export function fact(input: VerdictInput, key: string): string {
  const v = input.facts[key];
  return typeof v === 'string' ? v : '';
}
/** a number fact the scenario's run recorded */
export function factNum(input: VerdictInput, key: string, dflt: number): number {
  const v = input.facts[key];
  return typeof v === 'number' ? v : dflt;
}
/** the web backend the backend scenarios fault: the first of the inventory's */
function firstBackend(lab: { topology: { backends: readonly string[] } }): string {
  const b = lab.topology.backends[0];
  if (!b) throw new Error('no backends');
  return b;
}

function latencyVerdicts(input: VerdictInput): Verdict[] {
  return input.windows.map((w) => ({ ...maxLatencyWithin(input.records, w), description: `slowest request: ${w.label}` }));
}

/**
 * undo what earlier scenarios left broken (DrillState names it), in a safe
 * order: the network first, nginx last; then wait for one VIP holder
 */
export async function restoreHealthy(ctx: Pick<ScenarioContext, 'lab' | 'state'> & Partial<Pick<ScenarioContext, 'clock'>>): Promise<void> {
  const { lab, state } = ctx;
  for (const f of undoOrder()) {
    const v = state[f.key];
    if (v === undefined || v === false) continue;
    await f.undo(lab, typeof v === 'string' ? v : '');
    delete state[f.key];
  }
  await waitSingleHolder(lab, undefined, ctx.clock);
}

/** every fault a scenario can leave behind, in the order restoreHealthy undoes them */
function undoOrder(): Fault[] {
  return [partition, linkCut, keepalivedKill, secondPowerLost, powerLost, nginxKilled, backendNginxStopped];
}

const baseline: Scenario = {
  name: 'baseline',
  description: 'no fault: load through the VIP, every backend answers',
  durationMs: 5000,
  prepare: restoreHealthy,
  run: async () => undefined,
  verdicts: (i) => [
    noFailedRequests(i.records),
    allBackendsAnswered(i.records, i.lab.topology.backends),
    vipHeldAtEnd(i.events, i.durationMs),
  ],
};

/** nginx killed on a director (stamped: the epoch ms just after, from the machine); started again */
const nginxKilled = {
  key: 'nginxDown',
  inject: (lab: LabControl, h: string) => killNginxStamped(lab, h),
  undo: (lab: LabControl, h: string) => run(lab, h, [...cmd.startNginx], 'starting nginx'),
} satisfies Fault;

const lbNginxKilled: Scenario = {
  name: 'lb-nginx-killed',
  description: 'nginx on the VIP holder killed (SIGKILL) every 1 s for 8 s',
  durationMs: 14_000,
  prepare: restoreHealthy,
  run: async (ctx) => {
    await ctx.at(faultAt);
    // the holder at the moment of the fault (a hand-back may have happened since the load started)
    const h = await ctx.vipHolder();
    ctx.facts.host = h;
    const t = ctx.mark('fault', `nginx killed on ${h} (every 1 s, 8 s)`);
    ctx.facts.faultT = t;
    ctx.state.nginxDown = h;
    for (let k = 0; k < 8; k++) {
      await ctx.at(faultAt + k * 1000);
      const from = ctx.now();
      ctx.died(h, 'nginx killed', from, await nginxKilled.inject(ctx.lab, h));
    }
    await ctx.at(faultAt + 8000);
    ctx.mark('note', `kills stop; nginx stays down on ${h}`);
    ctx.window(t, t + 8000, `nginx killed on ${h}`);
  },
  verdicts: (i) => [
    noFailedRequests(i.records),
    lostWithDeathReport(i.records),
    ...latencyVerdicts(i),
    // judged when the kills stop: nginx restarts there 0.5 s after the last kill, and
    // with preempt the master rightly takes the VIP back preempt_delay (5 s) later
    {
      ...vipAwayAtEnd(i.events, factNum(i, 'faultT', faultAt) + 8000, fact(i, 'host')),
      description: 'VIP holder when the kills stop',
    },
  ],
};

const lbRecover: Scenario = {
  name: 'lb-recover',
  description: 'nginx back on the director that lost it; the VIP may move back',
  durationMs: 12_000,
  prepare: async (ctx) => {
    if (!ctx.state.nginxDown) {
      await restoreHealthy(ctx);
      const h = await waitSingleHolder(ctx.lab, undefined, ctx.clock);
      await nginxKilled.inject(ctx.lab, h);
      ctx.state.nginxDown = h;
      await ctx.clock.sleep(5000);
    }
  },
  run: async (ctx) => {
    const h = ctx.state.nginxDown;
    if (!h) return;
    await ctx.at(faultAt);
    await nginxKilled.undo(ctx.lab, h);
    const t = ctx.mark('recover', `nginx started on ${h}`);
    delete ctx.state.nginxDown;
    ctx.window(t, t + 8000, 'VIP hand-back');
  },
  verdicts: (i) => [noFailedRequests(i.records), ...latencyVerdicts(i), vipHeldAtEnd(i.events, i.durationMs)],
};

/** nginx stopped cleanly on a web backend; started again */
const backendNginxStopped = {
  key: 'backendStopped',
  inject: (lab: LabControl, b: string) => run(lab, b, [...cmd.stopNginx], 'stopping nginx'),
  undo: (lab: LabControl, b: string) => run(lab, b, [...cmd.startNginx], 'starting nginx'),
} satisfies Fault;

const backendStopped: Scenario = {
  name: 'backend-stopped',
  description: 'nginx stopped on the first web backend',
  durationMs: 8000,
  prepare: restoreHealthy,
  run: async (ctx) => {
    const b = firstBackend(ctx.lab);
    ctx.facts.host = b;
    await ctx.at(faultAt);
    await backendNginxStopped.inject(ctx.lab, b);
    ctx.facts.faultT = ctx.mark('fault', `nginx stopped on ${b}`);
    ctx.state.backendStopped = b;
  },
  verdicts: (i) => [
    noFailedRequests(i.records),
    backendAbsent(i.records, fact(i, 'host'), factNum(i, 'faultT', faultAt) + 1000, i.durationMs),
  ],
};

const backendStarted: Scenario = {
  name: 'backend-started',
  description: 'nginx started again on the stopped web backend',
  durationMs: 16_000,
  prepare: async (ctx) => {
    if (!ctx.state.backendStopped) {
      await restoreHealthy(ctx);
      const b = firstBackend(ctx.lab);
      await backendNginxStopped.inject(ctx.lab, b);
      ctx.state.backendStopped = b;
    }
  },
  run: async (ctx) => {
    const b = ctx.state.backendStopped;
    if (!b) return;
    ctx.facts.host = b;
    await ctx.at(faultAt);
    await backendNginxStopped.undo(ctx.lab, b);
    ctx.facts.recoverT = ctx.mark('recover', `nginx started on ${b}`);
    delete ctx.state.backendStopped;
  },
  verdicts: (i) => [
    noFailedRequests(i.records),
    backendPresent(i.records, fact(i, 'host'), factNum(i, 'recoverT', faultAt), i.durationMs),
  ],
};

/** a machine loses power (resolves to the epoch ms it went silent); boots again */
const powerLost = {
  key: 'poweredOff',
  inject: (lab: LabControl, h: string) => lab.poweroff(h),
  undo: (lab: LabControl, h: string) => lab.poweron(h),
} satisfies Fault;

const lbPoweroff: Scenario = {
  name: 'lb-poweroff',
  description: 'the VIP holder loses power',
  durationMs: 10_000,
  prepare: restoreHealthy,
  run: async (ctx) => {
    await ctx.at(faultAt);
    const h = await ctx.vipHolder();
    ctx.facts.host = h;
    const t = ctx.mark('fault', `${h} powered off`);
    ctx.facts.faultT = t;
    ctx.state.poweredOff = h;
    ctx.died(h, 'power lost', t, await powerLost.inject(ctx.lab, h));
    ctx.window(t, t + 5000, `${h} powered off`);
  },
  verdicts: (i) => [
    noFailedRequests(i.records),
    lostWithDeathReport(i.records),
    vipMovedWithin(i.events, factNum(i, 'faultT', faultAt), fact(i, 'host')),
    ...latencyVerdicts(i),
    vipHeldAtEnd(i.events, i.durationMs),
  ],
};

const lbPoweron: Scenario = {
  name: 'lb-poweron',
  description: 'the powered-off director boots again and rejoins',
  durationMs: 16_000,
  prepare: async (ctx) => {
    if (!ctx.state.poweredOff) {
      await restoreHealthy(ctx);
      const h = await waitSingleHolder(ctx.lab, undefined, ctx.clock);
      await powerLost.inject(ctx.lab, h);
      ctx.state.poweredOff = h;
      await waitSingleHolder(ctx.lab, undefined, ctx.clock);
    }
  },
  run: async (ctx) => {
    const h = ctx.state.poweredOff;
    if (!h) return;
    await ctx.at(faultAt);
    const t = ctx.mark('recover', `${h} powered on`);
    await powerLost.undo(ctx.lab, h);
    delete ctx.state.poweredOff;
    ctx.mark('note', `${h} booted`);
    ctx.window(t, ctx.now() + 8000, `${h} rejoins`);
  },
  verdicts: (i) => [noFailedRequests(i.records), ...latencyVerdicts(i), vipHeldAtEnd(i.events, i.durationMs)],
};

/** a second director loses power while the first is still off; boots again */
const secondPowerLost = {
  key: 'secondPoweredOff',
  inject: (lab: LabControl, h: string) => lab.poweroff(h),
  undo: (lab: LabControl, h: string) => lab.poweron(h),
} satisfies Fault;

/**
 * Two directors fail one after the other (3 or more directors): the holder of
 * the first VIP, then 5 s later the holder of another VIP (active-active) or
 * the director that took the first one over. The last directors standing hold
 * every VIP; then both boot again and take their VIPs back.
 */
const lbTwoFail: Scenario = {
  name: 'lb-two-fail',
  description: 'two directors lose power one after the other (5 s apart), then boot again',
  durationMs: 30_000,
  minDirectors: 3,
  prepare: restoreHealthy,
  run: async (ctx) => {
    const vips = ctx.lab.topology.vips ?? [];
    await ctx.at(faultAt);
    const a = await ctx.vipHolder();
    ctx.facts.host = a;
    const t1 = ctx.mark('fault', `${a} powered off`);
    ctx.facts.faultT = t1;
    ctx.state.poweredOff = a;
    ctx.died(a, 'power lost', t1, await powerLost.inject(ctx.lab, a));
    ctx.window(t1, t1 + 5000, `${a} powered off`);
    await ctx.at(faultAt + 5000);
    // the holder of another VIP; with one VIP, whoever took the first over
    const second = vips[1] ? await ctx.lab.vipHolders(vips[1].vip) : await ctx.lab.vipHolders();
    const b = second.find((h) => h !== a) ?? ctx.lab.topology.directors.find((h) => h !== a) ?? '';
    ctx.facts.host2 = b;
    const t2 = ctx.mark('fault', `${b} powered off`);
    ctx.facts.faultT2 = t2;
    ctx.state.secondPoweredOff = b;
    ctx.died(b, 'power lost', t2, await secondPowerLost.inject(ctx.lab, b));
    ctx.window(t2, t2 + 5000, `${b} powered off`);
    await ctx.at(faultAt + 12_000);
    const t3 = ctx.mark('recover', `${a} and ${b} powered on`);
    await Promise.all([powerLost.undo(ctx.lab, a), secondPowerLost.undo(ctx.lab, b)]);
    delete ctx.state.poweredOff;
    delete ctx.state.secondPoweredOff;
    ctx.mark('note', `${a} and ${b} booted`);
    ctx.window(t3, ctx.now() + 8000, `${a} and ${b} rejoin`);
  },
  verdicts: (i) => [
    noFailedRequests(i.records),
    lostWithDeathReport(i.records),
    vipMovedWithin(i.events, factNum(i, 'faultT', faultAt), fact(i, 'host')),
    ...latencyVerdicts(i),
    vipHeldAtEnd(i.events, i.durationMs),
  ],
};

const backendPoweroff: Scenario = {
  name: 'backend-poweroff',
  description: 'the first web backend loses power, then boots again',
  durationMs: 18_000,
  prepare: restoreHealthy,
  run: async (ctx) => {
    const b = firstBackend(ctx.lab);
    ctx.facts.host = b;
    await ctx.at(faultAt);
    ctx.facts.faultT = ctx.mark('fault', `${b} powered off`);
    ctx.state.poweredOff = b;
    await powerLost.inject(ctx.lab, b);
    await ctx.at(faultAt + 8000);
    ctx.mark('recover', `${b} powered on`);
    await powerLost.undo(ctx.lab, b);
    delete ctx.state.poweredOff;
    ctx.mark('note', `${b} booted`);
  },
  verdicts: (i) => [
    noFailedRequests(i.records),
    backendAbsent(i.records, fact(i, 'host'), factNum(i, 'faultT', faultAt) + 1000, factNum(i, 'faultT', faultAt) + 8000),
  ],
};

/** a machine's link down, its packets vanish (resolves to the epoch ms it went down); up again */
const linkCut = {
  key: 'linkCut',
  inject: (lab: LabControl, h: string) => lab.cut(h),
  undo: (lab: LabControl, h: string) => lab.uncut(h),
} satisfies Fault;

function cutScenario(name: string, which: 'director' | 'backend'): Scenario {
  return {
    name,
    description: which === 'director' ? "the VIP holder's link down for 8 s" : "the first web backend's link down for 8 s (black hole)",
    // a director back on the wire takes the VIP back preempt_delay (5 s) + ~0.4 s
    // after the link returns (at 10 s): ~15.4 s. The end leaves that hand-back
    // ~2.5 s to settle, so "one holder at the end" never reads its instant
    // (at 16 s a CI run on a busy box ended inside it: both held the VIP)
    durationMs: which === 'director' ? 18_000 : 16_000,
    prepare: restoreHealthy,
    run: async (ctx) => {
      await ctx.at(faultAt);
      const h = which === 'director' ? await ctx.vipHolder() : firstBackend(ctx.lab);
      ctx.facts.host = h;
      const t = ctx.mark('fault', `${h} link cut`);
      ctx.facts.faultT = t;
      ctx.state.linkCut = h;
      const down = await linkCut.inject(ctx.lab, h);
      if (which === 'director') ctx.died(h, 'link cut', t, down);
      ctx.window(t, t + 8000, `${h} link cut`);
      await ctx.at(faultAt + 8000);
      await linkCut.undo(ctx.lab, h);
      delete ctx.state.linkCut;
      ctx.mark('recover', `${h} link back`);
    },
    verdicts: (i) => [
      noFailedRequests(i.records),
      ...(which === 'director' ? [lostWithDeathReport(i.records), vipMovedWithin(i.events, factNum(i, 'faultT', faultAt), fact(i, 'host'))] : []),
      ...latencyVerdicts(i),
      vipHeldAtEnd(i.events, i.durationMs),
    ],
  };
}

/** keepalived killed with SIGKILL (no VRRP goodbye); restarted */
const keepalivedKill = {
  key: 'keepalivedDown',
  inject: (lab: LabControl, h: string) => run(lab, h, [...cmd.killKeepalived], 'killing keepalived'),
  undo: (lab: LabControl, h: string) => run(lab, h, [...cmd.restartKeepalived], 'restarting keepalived'),
} satisfies Fault;

const keepalivedKilled: Scenario = {
  name: 'keepalived-killed',
  description: 'keepalived on the VIP holder killed with SIGKILL, restarted 6 s later',
  // the restart returns at ~9.2 s and the master takes the VIP back preempt_delay
  // (5 s) + ~0.3 s after: ~14.5 s. At 14 s the end fell half a second from that
  // hand-back; at 18 s it is judged, under load, and settled by the end
  durationMs: 18_000,
  prepare: restoreHealthy,
  run: async (ctx) => {
    await ctx.at(faultAt);
    const h = await ctx.vipHolder();
    const t = ctx.mark('fault', `keepalived killed on ${h}`);
    ctx.state.keepalivedDown = h;
    await keepalivedKill.inject(ctx.lab, h);
    ctx.window(t, t + 6000, `keepalived killed on ${h}`);
    await ctx.at(faultAt + 6000);
    await keepalivedKill.undo(ctx.lab, h);
    delete ctx.state.keepalivedDown;
    ctx.mark('recover', `keepalived restarted on ${h}`);
  },
  verdicts: (i) => [
    noFailedRequests(i.records),
    ...latencyVerdicts(i),
    splitBrain(i.events, i.durationMs),
    vipHeldAtEnd(i.events, i.durationMs),
  ],
};

/** the network split in two groups; healed */
const partition = {
  key: 'partitioned',
  inject: (lab: LabControl, a: string[], b: string[]) => lab.partition(a, b),
  undo: (lab: LabControl) => lab.heal(),
} satisfies Fault;

const lbPartition: Scenario = {
  name: 'lb-partition',
  description: 'the two directors cannot reach each other for 8 s (split brain); everyone else reaches both',
  durationMs: 16_000,
  prepare: restoreHealthy,
  run: async (ctx) => {
    const [a, b] = ctx.lab.topology.directors;
    await ctx.at(faultAt);
    ctx.mark('fault', `partition ${a} | ${b}`);
    ctx.state.partitioned = true;
    await partition.inject(ctx.lab, [a], [b]);
    await ctx.at(faultAt + 8000);
    await partition.undo(ctx.lab);
    delete ctx.state.partitioned;
    ctx.mark('recover', 'partition healed');
  },
  verdicts: (i) => [
    { ...noFailedRequests(i.records), description: 'failed requests (what clients saw)', informational: true },
    splitBrain(i.events, i.durationMs),
    vipHeldAtEnd(i.events, i.durationMs),
  ],
};

const convergeUnderLoad: Scenario = {
  name: 'converge-under-load',
  description: 'the playbook converges the cluster again while the load runs',
  durationMs: 90_000,
  endsWithSteps: true,
  prepare: restoreHealthy,
  run: async (ctx) => {
    await ctx.at(faultAt);
    const t = ctx.mark('fault', `converge (${ctx.profile})`);
    await ctx.lab.applyProfile(ctx.profile);
    ctx.mark('recover', 'converged');
    ctx.window(t, ctx.now(), 'converge');
    await ctx.at(ctx.now() + 2000);
  },
  verdicts: (i) => [noFailedRequests(i.records), vipHeldAtEnd(i.events, i.durationMs)],
};

export const scenarios: readonly Scenario[] = [
  baseline,
  lbNginxKilled,
  lbRecover,
  backendStopped,
  backendStarted,
  lbPoweroff,
  lbPoweron,
  lbTwoFail,
  backendPoweroff,
  cutScenario('lb-cut', 'director'),
  cutScenario('backend-cut', 'backend'),
  keepalivedKilled,
  lbPartition,
  convergeUnderLoad,
];

/** named sequences */
export const plans: Readonly<Record<string, readonly string[]>> = {
  /** the faults of the prior art's measured table, in its order */
  'seed-plan': ['lb-nginx-killed', 'lb-recover', 'backend-stopped', 'backend-started', 'lb-cut', 'backend-cut', 'keepalived-killed'],
  all: scenarios.map((s) => s.name),
};

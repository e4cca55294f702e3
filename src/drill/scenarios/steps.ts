/** Fault and recovery actions inside the machines, and bringing the cluster back to health. */
import { HapbError } from '../../errors/index.js';
import type { LabControl } from '../lab-control.js';
import type { ScenarioContext } from './types.js';

export async function run(lab: LabControl, host: string, argv: string[], what: string): Promise<void> {
  const r = await lab.exec(host, argv);
  if (r.rc !== 0) {
    throw new HapbError(`${host}: ${what} failed (rc ${r.rc})`, { hint: (r.stderr || r.stdout).trim().slice(0, 500) });
  }
}

export const cmd = {
  killNginx: ['systemctl', 'kill', '--signal=SIGKILL', 'nginx.service'],
  startNginx: ['sh', '-c', 'systemctl reset-failed nginx.service 2>/dev/null; systemctl start nginx.service'],
  stopNginx: ['systemctl', 'stop', 'nginx.service'],
  killKeepalived: ['systemctl', 'kill', '--signal=SIGKILL', 'keepalived.service'],
  restartKeepalived: ['sh', '-c', 'systemctl reset-failed keepalived.service 2>/dev/null; systemctl restart keepalived.service'],
} as const;

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** wait (untimed, before a load) until exactly one director holds the VIP */
export async function waitSingleHolder(lab: LabControl, limitMs = 20_000): Promise<string> {
  const until = Date.now() + limitMs;
  let last: string[] = [];
  while (Date.now() < until) {
    last = await lab.vipHolders();
    if (last.length === 1 && last[0] !== undefined) return last[0];
    await sleep(200);
  }
  throw new HapbError(`VIP not held by exactly one director after ${limitMs / 1000} s (holders: ${last.join(', ') || 'none'})`, {
    hint: 'the cluster is not healthy: check keepalived on the directors',
  });
}

/** undo what earlier scenarios left broken, then wait for one VIP holder */
export async function restoreHealthy(ctx: Pick<ScenarioContext, 'lab' | 'state'>): Promise<void> {
  const { lab, state } = ctx;
  if (state.partitioned) {
    await lab.heal();
    delete state.partitioned;
  }
  if (state.linkCut) {
    await lab.uncut(state.linkCut);
    delete state.linkCut;
  }
  if (state.keepalivedDown) {
    await run(lab, state.keepalivedDown, [...cmd.restartKeepalived], 'restarting keepalived');
    delete state.keepalivedDown;
  }
  if (state.poweredOff) {
    await lab.poweron(state.poweredOff);
    delete state.poweredOff;
  }
  if (state.nginxDown) {
    await run(lab, state.nginxDown, [...cmd.startNginx], 'starting nginx');
    delete state.nginxDown;
  }
  if (state.backendStopped) {
    await run(lab, state.backendStopped, [...cmd.startNginx], 'starting nginx');
    delete state.backendStopped;
  }
  await waitSingleHolder(lab);
}

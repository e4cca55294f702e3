/** Fault and recovery actions inside the machines, and bringing the cluster back to health. */
import { systemClock, type Clock } from '../../core/clock.js';
import { HapbError } from '../../errors/index.js';
import type { ExecResult, LabControl } from '../lab-control.js';

/** run argv in `host`; a non-zero rc is an error naming `what` */
export async function run(lab: LabControl, host: string, argv: string[], what: string): Promise<ExecResult> {
  const r = await lab.exec(host, argv);
  if (r.rc !== 0) {
    throw new HapbError(`${host}: ${what} failed (rc ${r.rc})`, { hint: (r.stderr || r.stdout).trim().slice(0, 500) });
  }
  return r;
}

/**
 * SIGKILL nginx on `host` and return the epoch ms just after (read from the
 * machine's clock, which is the host's: the lab's machines share its kernel),
 * so the death lines up with the requests without the lag of `lab exec`.
 */
export async function killNginxStamped(lab: LabControl, host: string): Promise<number | undefined> {
  const r = await run(lab, host, [...cmd.killNginxStamped], 'killing nginx');
  const last = r.stdout.trim().split('\n').pop() ?? '';
  return /^\d{13}$/.test(last) ? Number(last) : undefined;
}

/** shell: nginx.service's cgroup into $cg (read before a kill; the lab and real hosts alike) */
export const NGINX_CGROUP_SH = 'cg=$(systemctl show -p ControlGroup --value nginx.service)';
/** shell: wait, at most 2 s, until the cgroup in $cg has no process left; at once without a readable cgroup (v1) */
export const WAIT_CGROUP_EMPTY_SH =
  'i=0; while [ -n "$cg" ] && [ $i -lt 200 ] && [ -n "$(cat "/sys/fs/cgroup$cg/cgroup.procs" 2>/dev/null)" ]; do sleep 0.01; i=$((i+1)); done';

export const cmd = {
  killNginx: ['systemctl', 'kill', '--signal=SIGKILL', 'nginx.service'],
  // stamped once nginx's processes are gone (its cgroup empty, at most 2 s), not when
  // the signal is sent: until the last process exits the kernel still completes
  // handshakes on the listener, and those connections die with it (deaths.ts needs
  // an upper bound). Without a readable cgroup (v1) the stamp is taken at once.
  killNginxStamped: ['sh', '-c', `${NGINX_CGROUP_SH}; systemctl kill --signal=SIGKILL nginx.service || exit 1; ${WAIT_CGROUP_EMPTY_SH}; date +%s%3N`],
  startNginx: ['sh', '-c', 'systemctl reset-failed nginx.service 2>/dev/null; systemctl start nginx.service'],
  stopNginx: ['systemctl', 'stop', 'nginx.service'],
  killKeepalived: ['systemctl', 'kill', '--signal=SIGKILL', 'keepalived.service'],
  restartKeepalived: ['sh', '-c', 'systemctl reset-failed keepalived.service 2>/dev/null; systemctl restart keepalived.service'],
} as const;

/** wait (untimed, before a load) until exactly one director holds the VIP (active-active: each VIP); returns the VIP's */
export async function waitSingleHolder(lab: LabControl, limitMs = 20_000, clock: Clock = systemClock): Promise<string> {
  const until = clock.now() + limitMs;
  let last: string[] = [];
  const others = (lab.topology.vips ?? []).slice(1).map((v) => v.vip);
  while (clock.now() < until) {
    last = await lab.vipHolders();
    if (last.length === 1 && last[0] !== undefined) {
      const rest = await Promise.all(others.map((v) => lab.vipHolders(v)));
      if (rest.every((h) => h.length === 1)) return last[0];
    }
    await clock.sleep(200);
  }
  throw new HapbError(`VIP not held by exactly one director after ${limitMs / 1000} s (holders: ${last.join(', ') || 'none'})`, {
    hint: 'the cluster is not healthy: check keepalived on the directors',
  });
}

/**
 * after a converge: wait until one director has held the VIP for `stableMs`
 * (a master converged last takes the VIP back seconds later; that hand-back
 * belongs to no scenario)
 */
export async function waitStableHolder(lab: LabControl, stableMs = 8000, limitMs = 40_000, clock: Clock = systemClock): Promise<string> {
  const until = clock.now() + limitMs;
  let holder = await waitSingleHolder(lab, limitMs, clock);
  let since = clock.now();
  while (clock.now() < until) {
    if (clock.now() - since >= stableMs) return holder;
    await clock.sleep(200);
    const h = await lab.vipHolders();
    if (h.length !== 1 || h[0] !== holder) {
      holder = await waitSingleHolder(lab, Math.max(1000, until - clock.now()), clock);
      since = clock.now();
    }
  }
  return holder;
}

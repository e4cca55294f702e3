/**
 * One lab (seed inventory, profile hapb, as `hapb lab up` leaves it) shared by
 * the integration files that only drill it or read its status, instead of a
 * lab boot and teardown in each (a boot is 18 s on a quiet box, ~25-30 s on a
 * busy CI machine). The global setup (shared-lab-setup.ts) names it and takes
 * it down at the end of the run; the first file that asks boots it.
 *
 * Integration files run one at a time (vitest.config.ts), so a file has the
 * lab to itself. A file hands it on as it found it: every fault it makes
 * undone. What a file could leave behind by failing half-way is caught here:
 * a lab that is not healthy within 30 s (every machine on and linked, every
 * service up, no partition, the VIP on master only, a client request through
 * the VIP answered) is booted again, so one file's failure does not become
 * the next file's.
 */
import { inject } from 'vitest';
import { hapbAsync, labUpOrThrow } from './drill-cli.js';
import type { LabStatus } from '../../src/lab/index.js';

const VIP = '192.168.0.150';
const PREFERRED = 'master';

/** what keeps the lab from counting as healthy, or undefined when it does */
async function unhealthy(name: string): Promise<string | undefined> {
  const st = await hapbAsync(['lab', 'status', '--name', name, '-o', 'json'], 60_000);
  if (st.code !== 0) return `lab status exited ${st.code}: ${st.stderr.trim().slice(-300)}`;
  const s = JSON.parse(st.stdout) as LabStatus;
  if (s.profile !== 'hapb') return `profile ${String(s.profile)}`;
  for (const m of s.machines) {
    if (m.power !== 'on' || m.cut || m.system !== 'running') return `${m.host}: power ${m.power}, cut ${String(m.cut)}, system ${m.system}`;
    const want: (keyof typeof m.services)[] = m.groups.includes('directors') ? ['nginx', 'keepalived'] : m.groups.includes('web') ? ['nginx'] : [];
    for (const svc of want) if (m.services[svc] !== 'active') return `${m.host}: ${svc} ${String(m.services[svc])}`;
  }
  if (s.partitions.length > 0) return `partitions ${JSON.stringify(s.partitions)}`;
  const holders = s.vips[VIP] ?? [];
  if (holders.length !== 1 || holders[0] !== PREFERRED) return `VIP on ${holders.join('+') || 'nobody'}`;
  const curl = await hapbAsync(['lab', 'exec', '--name', name, 'client', '--', 'curl', '-sf', '-o', '/dev/null', '-m', '2', `http://${VIP}/`], 30_000);
  if (curl.code !== 0) return `a request through the VIP: curl exit ${curl.code}`;
  return undefined;
}

/** the shared lab's name in this test run (a file's LAB; sharedLab() makes sure it is up) */
export function sharedLabName(): string {
  const name = inject('sharedLab');
  if (!name) throw new Error("no shared lab name: the integration project's globalSetup (test/helpers/shared-lab-setup.ts) did not run");
  return name;
}

/**
 * the shared lab's name, once it is up and healthy: booted if it is not up,
 * booted again if it does not become healthy within 30 s
 */
export async function sharedLab(): Promise<string> {
  const name = sharedLabName();
  const list = await hapbAsync(['lab', 'list', '-o', 'json'], 60_000);
  const up = list.code === 0 && (JSON.parse(list.stdout) as { name: string }[]).some((l) => l.name === name);
  if (!up) {
    await labUpOrThrow(name);
    return name;
  }
  const until = Date.now() + 30_000;
  let why = await unhealthy(name);
  while (why !== undefined && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 1000));
    why = await unhealthy(name);
  }
  if (why !== undefined) {
    console.warn(`shared lab ${name} is not healthy (${why}): booting it again`);
    await labUpOrThrow(name);
  }
  return name;
}

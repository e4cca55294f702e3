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
 * a lab that is not healthy within 30 s, as the drill judges a healthy start,
 * is booted again, so one file's failure does not become the next file's.
 */
import { inject } from 'vitest';
import { describeProblem, diagnose, observe } from '../../src/drill/healthy.js';
import { openLab } from '../../src/drill/open-lab.js';
import { readState } from '../../src/lab/index.js';
import { labUpOrThrow } from './drill-cli.js';

/**
 * what keeps the lab from counting as healthy, or undefined when it does: the
 * drill's own judgement (src/drill/healthy.ts: machines, links, partition,
 * every unit the converge enabled, the VIP on the preferred director only, a
 * client request through it answered), at profile hapb
 */
async function unhealthy(name: string): Promise<string | undefined> {
  const profile = readState(name)?.profile;
  if (profile !== 'hapb') return `profile ${String(profile)}`;
  try {
    const lab = await openLab(name);
    const problems = diagnose(await observe(lab), lab.topology);
    return problems.length > 0 ? problems.map(describeProblem).join('; ') : undefined;
  } catch (err) {
    // e.g. a lab whose machines a crash left half-removed
    return `not readable: ${err instanceof Error ? err.message : String(err)}`;
  }
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
  if (readState(name) === undefined) {
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

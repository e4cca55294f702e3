/**
 * Our roles under real Ansible, on real machines (issue 12, 5b): a lab booted
 * with --python is converged by `ansible-playbook playbooks/site.yml` (through
 * the lab's ProxyCommand, from inside the lab's switch namespace), in both
 * profiles; `hapb run` afterwards reports changed=0 and the drill's baseline
 * passes. The reverse too: hapb converges, `ansible-playbook --check` reports
 * changed=0. Everything through the built CLI, as a user runs it.
 */
import { existsSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canUseNamespaces, hasCommand } from '../helpers/env.js';
import { hapbAsync, labDownQuietly, parseReport, type Run } from '../helpers/drill-cli.js';
import { ansibleControlDir, ansibleConverge } from '../../src/lab/ansible-converge.js';
import { labInventoryPath } from '../../src/lab/paths.js';
import type { Profile } from '../../src/lab/types.js';

const canRun = canUseNamespaces && hasCommand('systemd-nspawn') && hasCommand('debootstrap') && hasCommand('ansible-playbook');
const LAB = `t-lans-${process.pid}`;
const HOSTS = ['backup', 'master', 'web1', 'web2'];

interface Counts {
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
}

/** the PLAY RECAP of the default callback (Ansible's and hapb's are the same text) */
function recapOf(text: string): Record<string, Counts> {
  const out: Record<string, Counts> = {};
  const lines = text.split('\n');
  const at = lines.findIndex((l) => /^PLAY RECAP \*+\s*$/.test(l));
  if (at < 0) throw new Error(`no PLAY RECAP in:\n${text.slice(-3000)}`);
  for (const l of lines.slice(at + 1)) {
    const m = /^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/.exec(l);
    if (!m) break;
    out[m[1] as string] = { ok: Number(m[2]), changed: Number(m[3]), unreachable: Number(m[4]), failed: Number(m[5]) };
  }
  return out;
}

const hapb = (args: string[], timeoutMs = 600_000): Promise<Run> => hapbAsync(args, timeoutMs);

/** `hapb run site.yml` on the lab with a profile; -o json: Ansible's json callback document */
async function hapbRun(profile: Profile, extra: string[] = []): Promise<Record<string, { changed: number; failures: number; unreachable: number }>> {
  const r = await hapb(['run', 'playbooks/site.yml', '-i', labInventoryPath(LAB), '-e', `@profiles/${profile}.yml`, '-o', 'json', ...extra]);
  expect(r.code, r.stderr.slice(-3000)).toBe(0);
  return (JSON.parse(r.stdout) as { stats: Record<string, { changed: number; failures: number; unreachable: number }> }).stats;
}

/** `ansible-playbook --check` on the lab with a profile, as the lab's ansible converge runs it (directors at once) */
async function ansibleCheck(profile: Profile): Promise<{ recap: Record<string, Counts>; output: string }> {
  const lines: string[] = [];
  await ansibleConverge({ quiet: true, extraArgs: ['--check'], onLine: (l) => lines.push(l) })({
    lab: LAB,
    inventory: labInventoryPath(LAB),
    playbook: 'playbooks/site.yml',
    profile,
    // a check changes nothing, so nothing has to keep serving: both directors at once (site.yml's serial)
    extraVars: { hapb_director_serial: '100%' },
  });
  const output = lines.join('\n');
  return { recap: recapOf(output), output };
}

/** hosts whose counts show a change, a failure or an unreachable host */
const notClean = (stats: Record<string, { changed: number; unreachable: number } & ({ failed: number } | { failures: number })>): string[] =>
  Object.entries(stats)
    .filter(([, s]) => s.changed !== 0 || s.unreachable !== 0 || ('failed' in s ? s.failed : s.failures) !== 0)
    .map(([h, s]) => `${h}: ${JSON.stringify(s)}`);

/** `hapb drill SCENARIOS --profile P -o json` on the lab: every verdict passed, no failed request */
async function drill(profile: Profile, scenarios: string[]): Promise<void> {
  const r = await hapb(['drill', ...scenarios, '--name', LAB, '--profile', profile, '--no-converge', '-o', 'json'], 600_000);
  const report = parseReport(r);
  expect(report.results.map((x) => x.scenario)).toEqual(scenarios);
  for (const x of report.results) {
    expect(x.error, `${x.scenario}: ${x.error ?? ''}`).toBeUndefined();
    expect(x.summary.total, x.scenario).toBeGreaterThan(0);
    expect(x.summary.failed, `${x.scenario}: failed requests`).toBe(0);
    expect(x.pass, `${x.scenario}: ${JSON.stringify(x.verdicts.filter((v) => !v.pass))}`).toBe(true);
  }
  expect(r.code).toBe(0);
}

describe.skipIf(!canRun)('real ansible-playbook converges a lab with our site.yml (lab up --python)', () => {
  let up: Run;
  beforeAll(async () => {
    await labDownQuietly(LAB);
    // a fresh lab, converged by ansible-playbook from nothing, to profile tutorial
    up = await hapb(['lab', 'up', '--name', LAB, '--python', '--engine', 'ansible', '--profile', 'tutorial'], 900_000);
    if (up.code !== 0) throw new Error(`lab up exited ${up.code}:\n${up.stdout.slice(-3000)}\n${up.stderr.slice(-3000)}`);
  }, 1_000_000);
  afterAll(async () => {
    await labDownQuietly(LAB);
  }, 180_000);

  it('ansible-playbook converged the fresh machines: every host changed, none failed', async () => {
    const recap = recapOf(up.stdout);
    expect(Object.keys(recap).sort()).toEqual(HOSTS);
    for (const h of HOSTS) {
      expect(recap[h]?.failed, h).toBe(0);
      expect(recap[h]?.unreachable, h).toBe(0);
      expect(recap[h]?.changed, h).toBeGreaterThan(0);
    }
    // Ansible ran its modules with the machines' Python over SSH (its remote_tmp is there; hapb has none)
    for (const h of HOSTS) expect((await hapb(['lab', 'exec', '--name', LAB, h, '--', 'test', '-d', '/root/.ansible/tmp'])).code, h).toBe(0);
  });

  it("left no SSH master of Ansible's running", () => {
    const dir = ansibleControlDir(LAB);
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
  });

  it('profile tutorial: hapb run after it changes nothing, --check neither; the drill baseline passes', async () => {
    expect(notClean(await hapbRun('tutorial', ['--check']))).toEqual([]);
    expect(notClean(await hapbRun('tutorial'))).toEqual([]);
    await drill('tutorial', ['baseline']);
  }, 900_000);

  it('profile hapb: ansible-playbook converges the lab from tutorial to hapb; hapb run then changes nothing; baseline and a backend fault lose no request', async () => {
    const conv = await hapb(['lab', 'converge', '--name', LAB, '--engine', 'ansible', '--profile', 'hapb'], 900_000);
    expect(conv.code, conv.stderr.slice(-3000)).toBe(0);
    const recap = recapOf(conv.stdout);
    expect(Object.keys(recap).sort()).toEqual(HOSTS);
    expect(Object.values(recap).every((c) => c.failed === 0 && c.unreachable === 0)).toBe(true);
    // the profiles differ on the directors: something had to change there
    expect(recap['master']?.changed).toBeGreaterThan(0);
    expect(notClean(await hapbRun('hapb', ['--check']))).toEqual([]);
    expect(notClean(await hapbRun('hapb'))).toEqual([]);
    await drill('hapb', ['baseline', 'backend-stopped']);
  }, 1_500_000);

  it.each(['tutorial', 'hapb'] as const)('the reverse: hapb converges to profile %s, ansible-playbook --check then reports changed=0', async (profile) => {
    const conv = await hapb(['lab', 'converge', '--name', LAB, '--profile', profile], 900_000);
    expect(conv.code, conv.stderr.slice(-3000)).toBe(0);
    const { recap, output } = await ansibleCheck(profile);
    expect(Object.keys(recap).sort()).toEqual(HOSTS);
    expect(notClean(recap), output.slice(-4000)).toEqual([]);
  }, 900_000);
});

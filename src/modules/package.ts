/**
 * package (alias apt, dnf): install, remove or upgrade packages with the
 * host's manager, found on the host: apt (apt-get, dpkg-query) or dnf (rpm).
 */
import { shellJoin } from '../connection/command.js';
import { boolSchema, intSchema, objectSchema, stringOrListSchema, toBool, toInt, toList } from './args.js';
import { failedPlan } from './result.js';
import type { CheckContext, Module, RunStep } from './types.js';

export type PackageArgs = {
  name: string | string[];
  state?: 'present' | 'absent' | 'latest' | 'installed' | 'removed';
  update_cache?: boolean | string;
  cache_valid_time?: number | string;
  install_recommends?: boolean | string;
  use?: 'auto' | 'apt' | 'dnf';
};

export type Manager = 'apt' | 'dnf';

/** What one package looks like on the host. */
export interface PackageFact {
  name: string;
  installed: boolean;
  /** a newer version is available (only asked for state=latest) */
  upgradable?: boolean;
  /** the manager knows the package (it can be installed) */
  available?: boolean;
}

const APT_ENV = 'DEBIAN_FRONTEND=noninteractive';
const APT_OPTS = "-y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold";

export async function detectManager(ctx: CheckContext): Promise<Manager | undefined> {
  const r = await ctx.query('if command -v apt-get >/dev/null 2>&1; then echo apt; elif command -v dnf >/dev/null 2>&1; then echo dnf; fi');
  const m = r.stdout.trim();
  return m === 'apt' || m === 'dnf' ? m : undefined;
}

/** package name without a version (`nginx=1.22*` or `nginx-1.22` stays `nginx`) */
function baseName(spec: string, mgr: Manager): string {
  return mgr === 'apt' ? (spec.split('=')[0] ?? spec) : spec;
}

export async function queryPackages(
  ctx: CheckContext,
  mgr: Manager,
  names: string[],
  latest: boolean,
): Promise<PackageFact[]> {
  const facts: PackageFact[] = [];
  for (const spec of names) {
    const name = baseName(spec, mgr);
    if (mgr === 'apt') {
      // dpkg says what is installed; apt-cache policy says what could be (the candidate)
      const d = await ctx.query(`dpkg-query -W -f='\${db:Status-Abbrev}|\${Version}' -- ${shellJoin([name])} 2>/dev/null`);
      const [status = '', version = ''] = d.stdout.split('|');
      const installed = d.rc === 0 && status.startsWith('ii');
      const r = await ctx.query(`LC_ALL=C apt-cache policy -- ${shellJoin([name])}`);
      const cand = /^\s*Candidate: (.*)$/m.exec(r.stdout)?.[1]?.trim();
      const available = cand !== undefined && cand !== '(none)';
      facts.push({
        name: spec,
        installed,
        available,
        ...(latest ? { upgradable: installed && available && version.trim() !== cand } : {}),
      });
    } else {
      const q = await ctx.query(`rpm -q --whatprovides -- ${shellJoin([name])} >/dev/null 2>&1`);
      const installed = q.rc === 0;
      let available = installed;
      let upgradable: boolean | undefined;
      if (!installed) {
        const a = await ctx.query(`dnf -q list --available -- ${shellJoin([name])} >/dev/null 2>&1`);
        available = a.rc === 0;
      }
      if (latest && installed) {
        const u = await ctx.query(`dnf -q check-update -- ${shellJoin([name])} >/dev/null 2>&1`);
        upgradable = u.rc === 100;
      }
      facts.push({ name: spec, installed, available, ...(upgradable !== undefined ? { upgradable } : {}) });
    }
  }
  return facts;
}

function installCommand(mgr: Manager, names: string[], recommends: boolean | undefined): string {
  if (mgr === 'apt') {
    const rec = recommends === undefined ? '' : recommends ? '--install-recommends ' : '--no-install-recommends ';
    return `${APT_ENV} apt-get install ${APT_OPTS} ${rec}-- ${shellJoin(names)}`;
  }
  return `dnf -y install -- ${shellJoin(names)}`;
}

function removeCommand(mgr: Manager, names: string[]): string {
  return mgr === 'apt' ? `${APT_ENV} apt-get remove ${APT_OPTS} -- ${shellJoin(names)}` : `dnf -y remove -- ${shellJoin(names)}`;
}

/** apt's index is younger than `validSeconds` (cache_valid_time); 0 means always update */
async function cacheFresh(ctx: CheckContext, mgr: Manager, validSeconds: number): Promise<boolean> {
  if (mgr !== 'apt' || validSeconds <= 0) return false;
  const r = await ctx.query(
    'for f in /var/lib/apt/periodic/update-success-stamp /var/lib/apt/lists/partial /var/lib/apt/lists; do ' +
      '[ -e "$f" ] && { echo $(( $(date +%s) - $(stat -c %Y "$f") )); exit 0; }; done; echo -1',
  );
  const age = Number(r.stdout.trim());
  return Number.isFinite(age) && age >= 0 && age < validSeconds;
}

function updateCommand(mgr: Manager): string {
  return mgr === 'apt' ? `${APT_ENV} apt-get update -q` : 'dnf -q makecache';
}

export const packageModule: Module<PackageArgs> = {
  name: 'package',
  aliases: ['apt', 'dnf'],
  traits: { checkMode: 'full' },
  schema: objectSchema(
    {
      name: stringOrListSchema,
      state: { enum: ['present', 'absent', 'latest', 'installed', 'removed'] },
      update_cache: boolSchema,
      cache_valid_time: intSchema,
      install_recommends: boolSchema,
      use: { enum: ['auto', 'apt', 'dnf'] },
    },
    { required: ['name'] },
  ),
  async check(ctx, args) {
    const names = toList(args.name);
    const state = args.state === 'installed' ? 'present' : args.state === 'removed' ? 'absent' : (args.state ?? 'present');
    const mgr = args.use && args.use !== 'auto' ? args.use : await detectManager(ctx);
    if (!mgr) return failedPlan('no supported package manager (apt-get or dnf) found on the host');
    const recommends = args.install_recommends === undefined ? undefined : toBool(args.install_recommends, 'install_recommends', true);
    // Refreshing the index changes nothing installed (Ansible reports cache_updated, not
    // changed): a refresh step, run first and followed by a second check that decides
    // on the fresh index. In check mode it is only shown.
    const wantsUpdate = toBool(args.update_cache, 'update_cache', false);
    const pending = wantsUpdate && !ctx.refreshed && !(await cacheFresh(ctx, mgr, toInt(args.cache_valid_time, 'cache_valid_time', 0)));
    const refresh: RunStep[] = pending ? [{ run: updateCommand(mgr), timeoutMs: 600_000, doing: 'updating the package cache' }] : [];
    const facts = await queryPackages(ctx, mgr, names, state === 'latest');
    const data: Record<string, unknown> = { manager: mgr, cache_updated: wantsUpdate && ctx.refreshed };
    const commands: string[] = [];
    let todo: string[] = [];
    if (state === 'absent') {
      todo = facts.filter((f) => f.installed).map((f) => f.name);
      if (todo.length) commands.push(removeCommand(mgr, todo));
    } else {
      const missing = facts.filter((f) => !f.installed).map((f) => f.name);
      const unknown = facts.filter((f) => !f.installed && !f.available).map((f) => f.name);
      // unknown to a stale index: the pending update may make it known (decided again after it)
      if (unknown.length && !pending) return failedPlan(`No package matching '${unknown.join("', '")}' is available`, data);
      const upgrade = state === 'latest' ? facts.filter((f) => f.installed && f.upgradable).map((f) => f.name) : [];
      todo = [...missing, ...upgrade];
      if (mgr === 'apt') {
        // apt-get install upgrades an installed package to its candidate
        if (todo.length) commands.push(installCommand(mgr, todo, recommends));
      } else {
        if (missing.length) commands.push(installCommand(mgr, missing, recommends));
        if (upgrade.length) commands.push(`dnf -y upgrade -- ${shellJoin(upgrade)}`);
      }
    }
    if (commands.length === 0) return { changed: false, data: { ...data, packages: [] }, refresh };
    return {
      changed: true,
      msg: `${state === 'absent' ? 'remove' : 'install'}: ${todo.join(', ')}`,
      data: { ...data, packages: todo },
      diff: [{ path: `packages (${mgr})`, before: '', after: todo.map((n) => `${state === 'absent' ? '-' : '+'} ${n}\n`).join('') }],
      refresh,
      steps: commands.map((run) => ({ run, timeoutMs: 1_800_000 })),
      // the last command's output, as Ansible's apt returns it
      report: (outputs) => {
        const last = outputs[outputs.length - 1];
        return last ? { rc: last.rc, stdout: last.stdout, stderr: last.stderr } : {};
      },
    };
  },
};

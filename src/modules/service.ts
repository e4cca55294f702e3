/**
 * service (alias systemd, systemd_service): start, stop, restart or reload a
 * unit and enable it, with systemctl. `restarted` and `reloaded` always change.
 */
import { shellJoin } from '../connection/command.js';
import { boolSchema, objectSchema, stringSchema, toBool } from './args.js';
import { firstLine } from './files.js';
import { failedPlan } from './result.js';
import type { Module } from './types.js';

export type ServiceArgs = {
  name?: string;
  state?: 'started' | 'stopped' | 'restarted' | 'reloaded';
  enabled?: boolean | string;
  daemon_reload?: boolean | string;
};

export interface UnitFacts {
  LoadState?: string;
  ActiveState?: string;
  UnitFileState?: string;
}

/** Parse `systemctl show -p A,B name` output (KEY=value lines). */
export function parseShow(stdout: string): UnitFacts {
  const facts: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) facts[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return facts;
}

const RUNNING = new Set(['active', 'activating', 'reloading']);
/** unit file states that `enable`/`disable` cannot change */
const FIXED = new Set(['static', 'indirect', 'generated', 'transient', 'alias']);

export const serviceModule: Module<ServiceArgs> = {
  name: 'service',
  aliases: ['systemd', 'systemd_service'],
  schema: objectSchema({
    name: stringSchema,
    state: { enum: ['started', 'stopped', 'restarted', 'reloaded'] },
    enabled: boolSchema,
    daemon_reload: boolSchema,
  }),
  async check(ctx, args) {
    const daemonReload = toBool(args.daemon_reload, 'daemon_reload', false);
    // daemon-reload reads unit files again: it runs even before a check decides, like Ansible (not in check mode)
    if (daemonReload && !ctx.check) {
      const r = await ctx.run('systemctl daemon-reload');
      if (r.rc !== 0) return failedPlan(`failure ${r.rc} running systemctl daemon-reload: ${firstLine(r.stderr)}`);
    }
    if (args.name === undefined) {
      if (args.state !== undefined || args.enabled !== undefined) return failedPlan('name is required with state or enabled');
      return { changed: false, data: { daemon_reloaded: daemonReload && !ctx.check } };
    }
    const name = args.name;
    const unit = shellJoin([name]);
    const r = await ctx.run(`systemctl show -p LoadState,ActiveState,UnitFileState -- ${unit}`);
    if (r.rc !== 0) return failedPlan(`failure ${r.rc} running systemctl show for '${name}': ${firstLine(r.stderr)}`);
    const facts = parseShow(r.stdout);
    if (facts.LoadState === 'not-found') return failedPlan(`Could not find the requested service ${name}: host`);

    const steps: string[] = [];
    const active = RUNNING.has(facts.ActiveState ?? '');
    let enabledNow: boolean | undefined;
    if (args.enabled !== undefined) {
      const want = toBool(args.enabled, 'enabled', true);
      let ufs = facts.UnitFileState ?? '';
      if (ufs === '') {
        // units generated from SysV scripts have no unit file state: ask is-enabled
        const e = await ctx.run(`systemctl is-enabled -- ${unit}`);
        ufs = e.stdout.trim().split('\n')[0] ?? '';
      }
      enabledNow = ufs === 'enabled' || ufs === 'enabled-runtime' || ufs === 'alias';
      if (want !== enabledNow) {
        if (FIXED.has(ufs) || ufs === 'masked') {
          return failedPlan(`Unable to ${want ? 'enable' : 'disable'} service ${name}: unit file state is ${ufs}`);
        }
        steps.push(`systemctl ${want ? 'enable' : 'disable'} -- ${unit}`);
      }
    }
    switch (args.state) {
      case 'started':
        if (!active) steps.push(`systemctl start -- ${unit}`);
        break;
      case 'stopped':
        if (active) steps.push(`systemctl stop -- ${unit}`);
        break;
      case 'restarted':
        steps.push(`systemctl restart -- ${unit}`);
        break;
      case 'reloaded':
        // a stopped unit is started, as Ansible does
        steps.push(`systemctl ${active ? 'reload' : 'start'} -- ${unit}`);
        break;
      case undefined:
        break;
    }
    const state = args.state === undefined ? undefined : args.state === 'stopped' ? 'stopped' : 'started';
    const data: Record<string, unknown> = {
      name,
      ...(state ? { state } : {}),
      ...(args.enabled !== undefined ? { enabled: toBool(args.enabled, 'enabled', true) } : {}),
      status: facts,
    };
    if (steps.length === 0) return { changed: false, data };
    return {
      changed: true,
      data,
      apply: async () => {
        for (const step of steps) {
          const x = await ctx.run(step);
          if (x.rc !== 0) {
            return { failed: true, rc: x.rc, stderr: x.stderr, msg: `Unable to run '${step}': ${firstLine(x.stderr)}` };
          }
        }
        return {};
      },
    };
  },
};

/**
 * service (alias systemd, systemd_service): start, stop, restart or reload a
 * unit and enable it, with systemctl. `restarted` and `reloaded` always change.
 */
import { shellJoin } from '../connection/command.js';
import { boolSchema, objectSchema, stringSchema, toBool } from './args.js';
import { firstLine } from './files.js';
import { failedPlan } from './result.js';
import type { Module, RunStep } from './types.js';

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
  traits: { checkMode: 'full' },
  schema: objectSchema({
    name: stringSchema,
    state: { enum: ['started', 'stopped', 'restarted', 'reloaded'] },
    enabled: boolSchema,
    daemon_reload: boolSchema,
  }),
  async check(ctx, args) {
    // daemon-reload reads unit files again, before the state is decided, as in Ansible:
    // a refresh step, run first and followed by a second check (only shown in check mode)
    const daemonReload = toBool(args.daemon_reload, 'daemon_reload', false);
    const pending = daemonReload && !ctx.refreshed;
    const refresh: RunStep[] = pending ? [{ run: 'systemctl daemon-reload', doing: 'systemctl daemon-reload' }] : [];
    const reloaded = { daemon_reloaded: daemonReload && ctx.refreshed };
    if (args.name === undefined) {
      if (args.state !== undefined || args.enabled !== undefined) return failedPlan('name is required with state or enabled');
      return { changed: false, data: reloaded, refresh };
    }
    const name = args.name;
    const unit = shellJoin([name]);
    const r = await ctx.query(`systemctl show -p LoadState,ActiveState,UnitFileState -- ${unit}`);
    if (r.rc !== 0) return failedPlan(`failure ${r.rc} running systemctl show for '${name}': ${firstLine(r.stderr)}`);
    const facts = parseShow(r.stdout);
    if (facts.LoadState === 'not-found') {
      // a unit file written earlier in this run is only known after the pending daemon-reload (check mode)
      if (!pending) return failedPlan(`Could not find the requested service ${name}: host`);
      facts.ActiveState = 'inactive';
      facts.UnitFileState = 'disabled';
    }

    const steps: RunStep[] = [];
    const add = (command: string): void => void steps.push({ run: `systemctl ${command} -- ${unit}`, doing: `systemctl ${command} ${name}` });
    const active = RUNNING.has(facts.ActiveState ?? '');
    let enabledNow: boolean | undefined;
    if (args.enabled !== undefined) {
      const want = toBool(args.enabled, 'enabled', true);
      let ufs = facts.UnitFileState ?? '';
      if (ufs === '') {
        // units generated from SysV scripts have no unit file state: ask is-enabled
        const e = await ctx.query(`systemctl is-enabled -- ${unit}`);
        ufs = e.stdout.trim().split('\n')[0] ?? '';
      }
      enabledNow = ufs === 'enabled' || ufs === 'enabled-runtime' || ufs === 'alias';
      if (want !== enabledNow) {
        if (FIXED.has(ufs) || ufs === 'masked') {
          return failedPlan(`Unable to ${want ? 'enable' : 'disable'} service ${name}: unit file state is ${ufs}`);
        }
        add(want ? 'enable' : 'disable');
      }
    }
    switch (args.state) {
      case 'started':
        if (!active) add('start');
        break;
      case 'stopped':
        if (active) add('stop');
        break;
      case 'restarted':
        add('restart');
        break;
      case 'reloaded':
        // a stopped unit is started, as Ansible does
        add(active ? 'reload' : 'start');
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
      ...reloaded,
    };
    return { changed: steps.length > 0, data, refresh, steps };
  },
};

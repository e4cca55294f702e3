/**
 * `hapb status`: the state of a deployed cluster, read over each host's
 * connection as `hapb run` makes it (so a lab's inventory goes through the
 * lab's ProxyCommand). Who holds each VIP, keepalived and nginx on every
 * director, every backend as each director sees it, drift, certificates.
 */
import type { BecomeOptions, Connection, ConnectionFactory, ConnectionOptions } from '../connection/types.js';
import { mapLimit } from '../engine/pool.js';
import type { Vars } from '../engine/types.js';
import { errorMessage } from '../errors/index.js';
import { hostVarsView, selectHosts } from '../inventory/index.js';
import type { Inventory } from '../inventory/types.js';
import type { Playbook } from '../playbook/types.js';
import { assess } from './assess.js';
import { checkDrift } from './drift.js';
import { vipAddress } from './parse.js';
import { emptyDirector, probeBackendHost, probeDirector } from './probe.js';
import type { BackendHostStatus, ClusterStatus, DirectorStatus, DriftStatus } from './types.js';

export type * from './types.js';
export { assess, vipStatuses } from './assess.js';
export { formatStatus } from './format.js';

export interface StatusOptions {
  inventory: Inventory;
  extraVars: Vars;
  connect: ConnectionFactory;
  connectionOptions: ConnectionOptions;
  /** inventory pattern of the directors (default "directors") */
  directors: string;
  /** inventory pattern of the web backends (default "web") */
  backends: string;
  forks: number;
  /** -b: sudo on hosts whose variables do not say ansible_become */
  become?: boolean;
  becomePassword?: string;
  /** the playbook for the drift check; absent: no drift check */
  drift?: { playbook: Playbook };
  certWarnDays: number;
  /** a previous drift result to reuse (--watch checks drift less often) */
  previousDrift?: DriftStatus;
}

const truthy = (v: unknown): boolean => v === true || (typeof v === 'string' && ['true', 'yes', '1', 'on'].includes(v.toLowerCase()));

function becomeFor(vars: Vars, opts: StatusOptions): BecomeOptions | undefined {
  const on = vars.ansible_become !== undefined ? truthy(vars.ansible_become) : Boolean(opts.become);
  if (!on) return undefined;
  const password = typeof vars.ansible_become_password === 'string' ? vars.ansible_become_password : opts.becomePassword;
  return { user: typeof vars.ansible_become_user === 'string' ? vars.ansible_become_user : 'root', ...(password !== undefined ? { password } : {}) };
}

/** VIP addresses the inventory names for a director */
export function inventoryVips(vars: Vars): string[] {
  const out: string[] = [];
  for (const key of ['keepalived_vip', 'keepalived_vip6', 'vip']) if (typeof vars[key] === 'string' && vars[key] !== '' && !String(vars[key]).includes('{{')) out.push(vipAddress(String(vars[key])));
  for (const key of ['keepalived_vips', 'vips']) {
    const list = vars[key];
    if (Array.isArray(list)) {
      for (const v of list) {
        if (typeof v === 'string') out.push(vipAddress(v));
        else if (v && typeof v === 'object' && typeof (v as { address?: unknown }).address === 'string') out.push(vipAddress(String((v as { address: string }).address)));
        else if (v && typeof v === 'object' && typeof (v as { vip?: unknown }).vip === 'string') out.push(vipAddress(String((v as { vip: string }).vip)));
      }
    }
  }
  return out.filter((v) => v && !v.includes('{{'));
}

export async function clusterStatus(opts: StatusOptions): Promise<ClusterStatus> {
  const inv = opts.inventory;
  const directorNames = selectHosts(inv, opts.directors);
  const backendNames = selectHosts(inv, opts.backends).filter((h) => !directorNames.includes(h));
  const varsOf = (h: string): Vars => ({ ...hostVarsView(inv, h), ...opts.extraVars });
  const addressOf = (h: string): string | undefined => {
    const a = varsOf(h).ansible_host;
    return typeof a === 'string' && !a.includes('{{') ? a : undefined;
  };
  const hostByAddress = new Map<string, string>();
  for (const h of inv.hosts.keys()) {
    const a = addressOf(h);
    if (a && !hostByAddress.has(a)) hostByAddress.set(a, h);
  }
  const now = Date.now();
  const withConnection = async <T>(host: string, fn: (conn: Connection, vars: Vars) => Promise<T>, onError: (msg: string) => T): Promise<T> => {
    const vars = varsOf(host);
    let conn: Connection | undefined;
    try {
      conn = opts.connect(host, vars, opts.connectionOptions);
      await conn.connect();
      return await fn(conn, vars);
    } catch (e) {
      return onError(errorMessage(e).replace(new RegExp(`^${host}: `), ''));
    } finally {
      await conn?.close().catch(() => undefined);
    }
  };
  const runtime = mapLimit([...directorNames.map((h) => ({ h, d: true })), ...backendNames.map((h) => ({ h, d: false }))], opts.forks, async ({ h, d }) =>
    d
      ? withConnection<DirectorStatus | BackendHostStatus>(h, (conn, vars) => probeDirector(h, addressOf(h), conn, { hostByAddress, now, ...becomeOpt(becomeFor(vars, opts)) }), (msg) => emptyDirector(h, addressOf(h), msg))
      : withConnection<DirectorStatus | BackendHostStatus>(
          h,
          (conn, vars) => probeBackendHost(h, addressOf(h), conn, becomeOpt(becomeFor(vars, opts))),
          (msg) => ({ host: h, ...(addressOf(h) ? { address: addressOf(h) } : {}), reachable: false, error: msg, nginx: 'unknown' }),
        ),
  );
  const drift = opts.previousDrift
    ? Promise.resolve(opts.previousDrift)
    : opts.drift
      ? checkDrift({ playbook: opts.drift.playbook, inventory: inv, extraVars: opts.extraVars, connect: opts.connect, connectionOptions: opts.connectionOptions, forks: opts.forks })
      : Promise.resolve(undefined);
  const [results, driftResult] = await Promise.all([runtime, drift]);
  const directors = results.slice(0, directorNames.length) as DirectorStatus[];
  const backends = results.slice(directorNames.length) as BackendHostStatus[];
  const vips = [...new Set(directorNames.flatMap((h) => inventoryVips(varsOf(h))))];
  return assess({
    inventory: inv.source,
    time: new Date(now).toISOString(),
    directors,
    backends,
    inventoryVips: vips,
    ...(driftResult ? { drift: driftResult } : {}),
    certWarnDays: opts.certWarnDays,
  });
}

function becomeOpt(b: BecomeOptions | undefined): { become?: BecomeOptions } {
  return b ? { become: b } : {};
}

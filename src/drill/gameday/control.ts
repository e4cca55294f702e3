/**
 * The drill's LabControl over hapb's connections (SSH), for a cluster known
 * only by its inventory: an operator's real hosts, or a lab reached through its
 * inventory like any other hosts.
 *
 * Only the faults of ./faults.ts are ever made. The scenarios of the catalog
 * ask for theirs as commands (`systemctl kill --signal=SIGKILL nginx.service`
 * ...); `exec` recognises each one, arms its dead-man timer on the host and
 * makes it in the same SSH round trip, and refuses any command that is neither
 * a listed fault, its undo, nor a read-only observation. A lab's machine
 * faults (power, cable) do not exist here.
 */
import { shellJoin } from '../../connection/command.js';
import type { BecomeOptions, Connection, ExecResult } from '../../connection/types.js';
import { ExitCode, HapbError } from '../../errors/index.js';
import { run as runLocal } from '../../lab/run.js';
import type { ConvergeFn } from '../../lab/types.js';
import { probeScript, SERVICES } from '../../lab/probe.js';
import type { LabControl, LoadHandle } from '../lab-control.js';
import { spawnLoad } from '../load-process.js';
import { cmd } from '../scenarios/steps.js';
import type { LoadOptions, Profile } from '../types.js';
import { armShell, disarmShell, faultProbeScript, faultShell, parseFaultProbe, type FaultArgs, type FaultKind } from './faults.js';
import { installLoadgen, startRemoteLoad } from './remote-load.js';
import { CONTROLLER, type GamedayTopology } from './topology.js';

export interface ArmedFault {
  id: number;
  host: string;
  kind: FaultKind;
  label: string;
  /** the shell that undoes it (also what the dead-man timer runs) */
  undo: string;
  /** the transient systemd unit of its dead-man timer */
  unit: string;
  /** epoch ms it was armed */
  armedAt: number;
}

export interface ClusterControlOptions {
  /** shown as the report's `lab` */
  name: string;
  inventoryPath: string;
  topology: GamedayTopology;
  connections: Map<string, Connection>;
  /** become per host (ansible_become), undefined: run as the login user */
  become?: Map<string, BecomeOptions | undefined>;
  /** seconds after which a host undoes a fault by itself if the controller did not */
  deadmanSeconds: number;
  /** unique per run: names the dead-man units (hapb-drill-dm-<runId>-<n>) */
  runId: string;
  /** the converge for converge-under-load (hapb run site.yml -i INVENTORY) */
  converge?: ConvergeFn;
  playbook?: string;
  log?: (line: string) => void;
}

const key = (argv: readonly string[]): string => argv.join('\u0000');

/** the catalog's fault commands (src/drill/scenarios/steps.ts) and what they are */
const CATALOG_FAULTS = new Map<string, FaultKind>([
  [key(cmd.killNginx), 'nginx-killed'],
  [key(cmd.killNginxStamped), 'nginx-killed'],
  [key(cmd.stopNginx), 'nginx-stopped'],
  [key(cmd.killKeepalived), 'keepalived-killed'],
]);

/** the service a catalog (or healthy-start repair) command starts again: it undoes that service's faults */
function startsService(argv: readonly string[]): string | undefined {
  if (key(argv) === key(cmd.startNginx)) return 'nginx';
  if (key(argv) === key(cmd.restartKeepalived)) return 'keepalived';
  const m = argv.length === 3 && argv[0] === 'sh' && argv[1] === '-c' ? /^systemctl reset-failed ([a-z-]+)\.service 2>\/dev\/null; systemctl start \1\.service$/.exec(argv[2] ?? '') : null;
  return m?.[1] && (SERVICES as readonly string[]).includes(m[1]) ? m[1] : undefined;
}

const SERVICE_OF: Partial<Record<FaultKind, string>> = {
  'nginx-killed': 'nginx',
  'nginx-stopped': 'nginx',
  'nginx-hung': 'nginx',
  'keepalived-killed': 'keepalived',
  'keepalived-stopped': 'keepalived',
};

export class ClusterControl implements LabControl {
  readonly name: string;
  readonly topology: GamedayTopology;
  private readonly armed = new Map<number, ArmedFault>();
  private nextId = 1;
  private install: Promise<{ dir: string; node: string }> | undefined;
  /** the converge has run once in this drill (the first applyProfile only checks) */
  private started = false;

  constructor(private readonly o: ClusterControlOptions) {
    this.name = o.name;
    this.topology = o.topology;
  }

  /** the faults in place now that the controller made and has not undone, oldest first */
  armedFaults(): ArmedFault[] {
    return [...this.armed.values()];
  }

  private conn(host: string): Connection {
    const c = this.o.connections.get(host);
    if (!c) throw new HapbError(`no connection to ${host}`);
    return c;
  }

  private async sh(host: string, command: string): Promise<ExecResult> {
    const become = this.o.become?.get(host);
    return this.conn(host).exec(command, become ? { become } : {});
  }

  /**
   * Arm the dead-man timer and make the fault, in one round trip: the timer
   * exists before the fault does.
   */
  async fault(kind: FaultKind, args: FaultArgs): Promise<ExecResult & { fault: ArmedFault }> {
    const shell = faultShell(kind, args);
    const id = this.nextId++;
    const unit = `hapb-drill-dm-${this.o.runId}-${id}`;
    const f: ArmedFault = { id, host: args.host, kind, label: shell.label, undo: shell.undo, unit, armedAt: Date.now() };
    this.armed.set(id, f);
    this.o.log?.(`fault: ${shell.label} (dead-man ${this.o.deadmanSeconds} s: ${unit})`);
    const r = await this.sh(args.host, `${armShell(unit, this.o.deadmanSeconds, shell.undo)} && ${shell.inject}`);
    if (r.rc !== 0) {
      // half made? undo it at once
      await this.undoFault(f).catch(() => undefined);
      throw new HapbError(`${args.host}: ${shell.label}: failed (rc ${r.rc})`, { hint: (r.stderr || r.stdout).trim().slice(-400), exitCode: ExitCode.hostFailed });
    }
    return { ...r, fault: f };
  }

  /** undo one fault and disarm its timer */
  async undoFault(f: ArmedFault): Promise<ExecResult> {
    const r = await this.sh(f.host, `${f.undo}; ${disarmShell(f.unit)}`);
    this.armed.delete(f.id);
    this.o.log?.(`undone: ${f.label}`);
    return r;
  }

  /** undo every fault of `kind` (or all) on `host` (or everywhere) */
  async undo(match: { host?: string; kind?: FaultKind | ((k: FaultKind) => boolean) } = {}): Promise<void> {
    const hit = (f: ArmedFault): boolean =>
      (match.host === undefined || f.host === match.host) &&
      (match.kind === undefined || (typeof match.kind === 'function' ? match.kind(f.kind) : f.kind === match.kind));
    for (const f of [...this.armed.values()].reverse()) if (hit(f)) await this.undoFault(f);
  }

  /** Ctrl-C, an error: undo every fault still in place, newest first */
  async undoAll(): Promise<void> {
    const errors: string[] = [];
    for (const f of [...this.armed.values()].reverse()) {
      try {
        await this.undoFault(f);
      } catch (err) {
        errors.push(`${f.host}: ${f.label}: ${String(err)}`);
      }
    }
    if (errors.length) throw new HapbError(`some faults could not be undone (their dead-man timers still will): ${errors.join('; ')}`);
  }

  /**
   * The cluster healed (the scenario's end and the healthy check passed): the
   * remaining dead-man timers must not fire into a later scenario.
   */
  async disarmAll(): Promise<void> {
    const byHost = new Map<string, ArmedFault[]>();
    for (const f of this.armed.values()) byHost.set(f.host, [...(byHost.get(f.host) ?? []), f]);
    for (const [host, fs] of byHost) await this.sh(host, fs.map((f) => disarmShell(f.unit)).join('; '));
    this.armed.clear();
  }

  async exec(host: string, argv: string[]): Promise<ExecResult> {
    if (host === CONTROLLER) return this.execController(argv);
    const kind = CATALOG_FAULTS.get(key(argv));
    if (kind !== undefined) {
      const isDirector = this.topology.directors.includes(host);
      if (!isDirector && !this.topology.backends.includes(host)) throw this.refuse(host, argv);
      return this.fault(kind, { host });
    }
    const service = startsService(argv);
    if (service !== undefined) {
      // undoing by starting the service: the faults on it are over
      const r = await this.sh(host, shellJoin(argv));
      for (const f of [...this.armed.values()]) if (f.host === host && SERVICE_OF[f.kind] === service) {
        await this.sh(host, disarmShell(f.unit));
        this.armed.delete(f.id);
      }
      return r;
    }
    if (this.isObservation(argv)) return this.sh(host, shellJoin(argv));
    throw this.refuse(host, argv);
  }

  private refuse(host: string, argv: string[]): HapbError {
    return new HapbError(`refused on ${host}: ${shellJoin(argv).slice(0, 120)} is not a fault the drill may make on real hosts`, {
      hint: `listed faults: nginx killed/stopped/hung, keepalived killed/stopped, VRRP blocked, backend broken/slow, lossy link`,
    });
  }

  /** read-only commands of the healthy check, the client probe and the lossy link's samples (tcp-backoff.ts) */
  private isObservation(argv: string[]): boolean {
    if (argv[0] === 'ss') return argv.length === 3 && argv[1] === '-tinH' && /^\( [sd]port = :\d+ \)$/.test(argv[2] ?? '');
    if (argv[0] !== 'sh' || argv[1] !== '-c' || argv.length !== 3) return argv[0] === 'ip' && argv[1] === 'neigh' && argv[2] === 'flush';
    const s = argv[2] ?? '';
    return s === probeScript || s === 'cat /sys/class/net/*/address' || s.startsWith('curl -s -m 1 -o /dev/null');
  }

  private async execController(argv: string[]): Promise<ExecResult> {
    // the controller is no cluster machine: it has no services to check
    if (argv[2] === probeScript) return { rc: 0, stdout: 'unit controller - - -\n', stderr: '' };
    if (argv[0] === 'ip' && argv[1] === 'neigh') return { rc: 0, stdout: '', stderr: '' };
    if (!this.isObservation(argv)) throw this.refuse(CONTROLLER, argv);
    const r = await runLocal(argv);
    return { rc: r.rc ?? 1, stdout: r.stdout, stderr: r.stderr };
  }

  async vipHolders(): Promise<string[]> {
    const vip = this.topology.vip;
    const held = await Promise.all(
      this.topology.directors.map(async (h) => {
        // on a network interface (profile hapb also keeps it unannounced on lo)
        const r = await this.sh(h, 'ip -o -4 addr show');
        const on = r.stdout.split('\n').some((l) => {
          const f = l.trim().split(/\s+/);
          return f[1] !== 'lo' && f[2] === 'inet' && f[3]?.split('/')[0] === vip;
        });
        return on ? h : '';
      }),
    );
    return held.filter((h) => h !== '');
  }

  /** the partition of real hosts: each director drops the other's VRRP */
  async partition(a: string[], b: string[]): Promise<void> {
    const addr = (h: string): string => this.topology.addresses[h] ?? h;
    const sides: [string[], string[]][] = [
      [a, b],
      [b, a],
    ];
    for (const [mine, theirs] of sides) {
      for (const h of mine) {
        if (!this.topology.directors.includes(h)) throw new HapbError(`refused: a partition on real hosts only blocks VRRP between the directors, ${h} is none`);
        await this.fault('vrrp-blocked', { host: h, peers: theirs.map(addr) });
      }
    }
  }

  async heal(): Promise<void> {
    await this.undo({ kind: 'vrrp-blocked' });
  }

  /** what fault tables or stopped processes the hosts show now (made by this run or a dead controller) */
  async faultsOnHosts(): Promise<Record<string, string[]>> {
    const out: Record<string, string[]> = {};
    for (const h of [...this.topology.directors, ...this.topology.backends]) {
      const found = parseFaultProbe((await this.sh(h, faultProbeScript)).stdout);
      if (found.length) out[h] = found;
    }
    return out;
  }

  async faultsInPlace(): Promise<{ poweredOff: string[]; cut: string[]; partitioned: boolean }> {
    const on = await this.faultsOnHosts();
    return { poweredOff: [], cut: [], partitioned: Object.values(on).some((fs) => fs.includes('inet hapb_drill_vrrp')) };
  }

  poweroff(host: string): Promise<never> {
    return Promise.reject(new HapbError(`refused: powering ${host} off is a lab-only fault`));
  }
  poweron(host: string): Promise<never> {
    return Promise.reject(new HapbError(`refused: powering ${host} on is a lab-only fault`));
  }
  cut(host: string): Promise<never> {
    return Promise.reject(new HapbError(`refused: cutting ${host}'s link would cut hapb's own SSH path`));
  }
  uncut(host: string): Promise<never> {
    return Promise.reject(new HapbError(`refused: ${host}'s link is never cut on real hosts`));
  }

  startLoad(load: LoadOptions): LoadHandle {
    if (this.topology.loadFromController) return spawnLoad(load, { prefix: [] });
    const conn = this.conn(this.topology.client);
    this.install ??= installLoadgen(conn);
    return startRemoteLoad(conn, this.install, load);
  }

  /** put the load generator on the client before the first scenario (it may upload node) */
  async prepareLoad(): Promise<void> {
    if (this.topology.loadFromController) return;
    this.install ??= installLoadgen(this.conn(this.topology.client));
    await this.install;
  }

  /**
   * The first call (a drill's start) converges nothing: the operator's cluster
   * runs as it is. Later calls (converge-under-load) run the playbook.
   */
  async applyProfile(profile: Profile): Promise<void> {
    if (!this.started) {
      this.started = true;
      return;
    }
    if (!this.o.converge) throw new HapbError('no converge is wired: build hapb (npm run build) to run converge-under-load');
    await this.o.converge({ lab: this.name, inventory: this.o.inventoryPath, playbook: this.o.playbook ?? 'playbooks/site.yml', profile });
  }

  async close(): Promise<void> {
    for (const c of this.o.connections.values()) await c.close().catch(() => undefined);
  }
}

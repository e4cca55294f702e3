/**
 * An in-memory lab for unit tests of the drill's mechanics: directors lb1/lb2,
 * web1/web2; powering a director off moves the VIP after `moveMs`; the load is
 * simulated (a request fails while nobody holds the VIP). Services can be
 * stopped (`stopped`), and the health probe of src/drill/healthy.ts reads them;
 * `systemctl start`/`restart` in exec starts them again, and the VIP then goes
 * to the first director whose keepalived runs (preemption). The client probe
 * answers while one director holds the VIP (`refuse` fails the load only) and
 * `staleArpOn` makes it fail until `ip neigh flush`. Not a stand-in for
 * the real lab in integration tests.
 */
import { systemClock, type Clock } from '../../../src/core/clock.js';
import { probeScript } from '../../../src/drill/healthy.js';
import type { LabControl, LoadHandle } from '../../../src/drill/lab-control.js';
import type { LoadOptions, Profile, RequestRecord } from '../../../src/drill/types.js';

/** directors lb1/lb2; powering lb1 off moves the VIP to lb2 after `moveMs`; requests fail while nobody holds it */
export class MemoryLab implements LabControl {
  readonly name = 'mem';
  readonly topology = { directors: ['lb1', 'lb2'] as [string, string], backends: ['web1', 'web2'], client: 'client', vip: '10.199.0.100', url: 'http://10.199.0.100/' };
  holders: string[] = ['lb1'];
  log: string[] = [];
  /** refuse every request, whoever holds the VIP */
  refuse = false;
  /** "host unit" → how it is down: 'inactive success' (stopped cleanly) or 'failed signal' */
  stopped = new Map<string, string>();
  off = new Set<string>();
  cutHosts = new Set<string>();
  partitioned = false;
  /** scripts that stop keepalived, reported by the probe on the directors */
  stoppers: string[] = [];
  /** the client's ARP entry for the VIP names this director (stale: the client gets no answer) until flushed */
  staleArpOn: string | undefined;
  /** `clock`: the time the VIP moves and the load run on (a VirtualClock in unit tests) */
  constructor(
    private moveMs: number,
    readonly clock: Clock = systemClock,
  ) {}
  private later(ms: number, fn: () => void): void {
    void this.clock.sleep(ms).then(fn);
  }
  private unitsOf(host: string): string[] {
    if (host.startsWith('lb')) return ['nginx', 'keepalived', 'ssh'];
    if (host.startsWith('web')) return ['nginx', 'ssh'];
    return ['ssh'];
  }
  /** after a change: the VIP goes to the first director that runs keepalived, `moveMs` later */
  private settle(): void {
    const runs = (d: string): boolean => !this.off.has(d) && !this.stopped.has(`${d} keepalived`);
    const next = this.topology.directors.find(runs);
    if (this.holders.length === 1 && this.holders[0] === next) return;
    if (this.holders.some((h) => !runs(h))) this.holders = this.holders.filter(runs);
    this.later(this.moveMs, () => (this.holders = next ? [next] : []));
  }
  async exec(host: string, argv: string[]) {
    if (argv[2] === probeScript) {
      if (this.off.has(host)) return { rc: 255, stdout: '', stderr: 'off' };
      const lines = ['nginx', 'keepalived', 'ssh'].map((u) => {
        const on = this.unitsOf(host).includes(u);
        const down = this.stopped.get(`${host} ${u}`);
        return `unit ${u} ${on ? 'enabled' : 'disabled'} ${on && !down ? 'active success' : (down ?? 'inactive success')}`;
      });
      if (host.startsWith('lb')) lines.push(...this.stoppers.map((s) => `stopper ${s}`));
      return { rc: 0, stdout: lines.join('\n') + '\n', stderr: '' };
    }
    const line = argv.join(' ');
    if (line.includes('curl -s -m 1')) {
      const arpOn = this.staleArpOn ?? this.holders[0];
      const ok = this.staleArpOn === undefined && this.holders.length === 1;
      return { rc: 0, stdout: `${ok ? '200' : '000'}\n${arpOn ? `${this.topology.vip} dev eth0 lladdr ${this.mac(arpOn)} REACHABLE` : ''}\n`, stderr: '' };
    }
    if (line.includes('/sys/class/net/*/address')) return { rc: 0, stdout: `00:00:00:00:00:00\n${this.mac(host)}\n`, stderr: '' };
    this.log.push(`${host}: ${line}`);
    if (line.startsWith('ip neigh flush')) this.staleArpOn = undefined;
    const started = /systemctl (?:start|restart) (\S+?)\.service/.exec(argv.join(' '))?.[1];
    if (started) {
      this.stopped.delete(`${host} ${started}`);
      if (started === 'keepalived') {
        if (argv.join(' ').includes('restart')) this.holders = this.holders.filter((h) => h !== host);
        this.settle();
      }
    }
    return { rc: host === 'broken' ? 1 : 0, stdout: '', stderr: 'no such unit' };
  }
  private mac(host: string): string {
    return `02:00:00:00:00:0${this.topology.directors.indexOf(host) + 1}`;
  }
  async faultsInPlace() {
    return { poweredOff: [...this.off], cut: [...this.cutHosts], partitioned: this.partitioned };
  }
  async poweroff(host: string) {
    this.log.push(`poweroff ${host}`);
    this.off.add(host);
    this.holders = this.holders.filter((h) => h !== host);
    this.later(this.moveMs, () => (this.holders = ['lb2']));
  }
  async poweron(host: string) {
    this.log.push(`poweron ${host}`);
    this.off.delete(host);
    this.settle();
  }
  async cut(host: string) {
    this.log.push(`cut ${host}`);
    this.cutHosts.add(host);
  }
  async uncut(host: string) {
    this.log.push(`uncut ${host}`);
    this.cutHosts.delete(host);
  }
  async partition(a: string[], b: string[]) {
    this.log.push(`partition ${a.join(',')}|${b.join(',')}`);
    this.partitioned = true;
  }
  async heal() {
    this.log.push('heal');
    this.partitioned = false;
  }
  async vipHolders() {
    return [...this.holders];
  }
  async applyProfile(p: Profile) {
    this.log.push(`profile ${p}`);
  }
  startLoad(opts: LoadOptions): LoadHandle {
    const records: RequestRecord[] = [];
    const listeners: ((r: RequestRecord) => void)[] = [];
    const t0 = this.clock.now();
    let seq = 0;
    let stop = false;
    const done = (async (): Promise<RequestRecord[]> => {
      for (;;) {
        await this.clock.sleep(10);
        const started = this.clock.now() - t0;
        if (stop || started >= opts.durationMs) return records;
        const up = this.holders.length === 1 && !this.refuse;
        const r: RequestRecord = up
          ? { seq, scheduled: seq * 10, started, latency: 2, kind: 'ok', status: 200, backend: seq % 2 ? 'web2' : 'web1' }
          : { seq, scheduled: seq * 10, started, latency: 1, kind: 'refused', code: 'ECONNREFUSED' };
        seq++;
        records.push(r);
        for (const l of listeners) l(r);
      }
    })();
    return { t0Epoch: Promise.resolve(t0), onRecord: (cb) => listeners.push(cb), stop: () => (stop = true), done };
  }
}


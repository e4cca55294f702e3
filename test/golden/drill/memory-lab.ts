/**
 * An in-memory lab for unit tests of the drill's mechanics: directors lb1/lb2,
 * web1/web2; powering a director off moves the VIP after `moveMs`; the load is
 * simulated (a request fails while nobody holds the VIP). Not a stand-in for
 * the real lab in integration tests.
 */
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
  constructor(private moveMs: number) {}
  async exec(host: string, argv: string[]) {
    this.log.push(`${host}: ${argv.join(' ')}`);
    return { rc: host === 'broken' ? 1 : 0, stdout: '', stderr: 'no such unit' };
  }
  async poweroff(host: string) {
    this.log.push(`poweroff ${host}`);
    this.holders = this.holders.filter((h) => h !== host);
    setTimeout(() => (this.holders = ['lb2']), this.moveMs);
  }
  async poweron(host: string) {
    this.log.push(`poweron ${host}`);
  }
  async cut(host: string) {
    this.log.push(`cut ${host}`);
  }
  async uncut(host: string) {
    this.log.push(`uncut ${host}`);
  }
  async partition(a: string[], b: string[]) {
    this.log.push(`partition ${a.join(',')}|${b.join(',')}`);
  }
  async heal() {
    this.log.push('heal');
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
    const t0 = Date.now();
    let seq = 0;
    let stop = false;
    const done = new Promise<RequestRecord[]>((resolve) => {
      const timer = setInterval(() => {
        const started = Date.now() - t0;
        if (stop || started >= opts.durationMs) {
          clearInterval(timer);
          resolve(records);
          return;
        }
        const up = this.holders.length === 1 && !this.refuse;
        const r: RequestRecord = up
          ? { seq, scheduled: seq * 10, started, latency: 2, kind: 'ok', status: 200, backend: seq % 2 ? 'web2' : 'web1' }
          : { seq, scheduled: seq * 10, started, latency: 1, kind: 'refused', code: 'ECONNREFUSED' };
        seq++;
        records.push(r);
        for (const l of listeners) l(r);
      }, 10);
    });
    return { t0Epoch: Promise.resolve(t0), onRecord: (cb) => listeners.push(cb), stop: () => (stop = true), done };
  }
}


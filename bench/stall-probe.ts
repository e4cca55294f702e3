/**
 * How long the whole machine stops: cyclictest (Debian's rt-tests) runs one
 * thread per core at real-time priority 99, each waking every millisecond,
 * and records every wake-up later than the trigger (a "spike"). A thread at
 * priority 99 waits for nothing on the machine, so a spike is a stall of the
 * machine itself (a virtual machine's CPUs descheduled by its host, say).
 * No real-time setting of keepalived can make adverts arrive across such a
 * stall: bench/vrrp-stress.ts runs this probe beside its saturation and
 * matches the false failovers with the stalls.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

export interface Stall {
  /** the thread (one per core) */
  thread: number;
  /** how late the wake-up was, µs */
  latencyUs: number;
  /** wall-clock time of the late wake-up (the stall's end), ms since the epoch */
  endMs: number;
}

export interface StallReport {
  /** per thread: the largest wake-up latency, µs */
  maxUs: number[];
  stalls: Stall[];
}

const SUMMARY = /^T:\s*(\d+)\s+\(\d+\)\s+P:\s*\d+\s+I:\s*\d+\s+C:\s*\d+\s+Min:\s*\d+\s+Act:\s*\d+\s+Avg:\s*\d+\s+Max:\s*(\d+)/;
const SPIKE = /^T:\s*(\d+)\s+Spike:\s*(\d+):\s*TS:\s*(\d+)/;

/**
 * cyclictest's quiet output (-q, --spike): the summary line of each thread and
 * one line per spike, whose time stamp is CLOCK_MONOTONIC in µs;
 * `monoToWallUs` is added to it to give wall-clock µs.
 */
export function parseCyclictest(text: string, monoToWallUs: number): StallReport {
  const maxUs: number[] = [];
  const stalls: Stall[] = [];
  for (const line of text.split('\n')) {
    const s = SUMMARY.exec(line);
    if (s) {
      maxUs[Number(s[1])] = Number(s[2]);
      continue;
    }
    const p = SPIKE.exec(line);
    if (p) stalls.push({ thread: Number(p[1]), latencyUs: Number(p[2]), endMs: (Number(p[3]) + monoToWallUs) / 1000 });
  }
  stalls.sort((a, b) => a.endMs - b.endMs);
  return { maxUs, stalls };
}

/**
 * The stall that covers wall-clock time `tMs`, if any: it began `latency`
 * before its end, and `slackMs` is allowed on either side (the two clocks are
 * read a few µs apart; a journal stamp is taken after the event).
 */
export function stallAt(stalls: Stall[], tMs: number, slackMs = 20): Stall | undefined {
  return stalls.find((s) => tMs >= s.endMs - s.latencyUs / 1000 - slackMs && tMs <= s.endMs + slackMs);
}

/** CLOCK_MONOTONIC µs → wall-clock µs, as of now (libuv's hrtime is CLOCK_MONOTONIC) */
export function monoToWallUs(): number {
  return Date.now() * 1000 - Number(process.hrtime.bigint() / 1000n);
}

export function hasCyclictest(): boolean {
  return !spawnSync('cyclictest', ['--help'], { stdio: 'ignore' }).error;
}

export interface StallProbe {
  /** ends the probe (SIGINT: cyclictest prints its summary) and reads it */
  stop(): Promise<StallReport>;
}

/** starts cyclictest on every core for at most `maxS` seconds, recording wake-ups later than `triggerUs` */
export function startStallProbe(cores: number, maxS: number, triggerUs = 20_000): StallProbe {
  const offset = monoToWallUs();
  const child: ChildProcess = spawn(
    'cyclictest',
    ['-m', '-p', '99', '-i', '1000', '-t', String(cores), '-a', '-D', String(Math.ceil(maxS)), '-q', `--spike=${triggerUs}`, '--spike-nodes=100000'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const closed = new Promise<void>((done) => {
    child.once('close', () => done());
    child.once('error', (err) => {
      out += `\n${err.message}`;
      done();
    });
  });
  return {
    async stop(): Promise<StallReport> {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      await closed;
      return parseCyclictest(out, offset);
    },
  };
}

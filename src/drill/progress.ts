/**
 * Live progress of a drill on stderr: a listr2 task list on a TTY (current
 * step, requests/s, failures so far), plain lines otherwise. It only listens:
 * the drill runs the same whether anyone watches.
 */
import { Listr, ProcessOutput, type ListrTaskWrapper, type DefaultRenderer, type SimpleRenderer } from 'listr2';
import type { DrillListener } from './run-drill.js';
import type { Scenario } from './scenarios/types.js';
import { describeFailures, formatMs } from './summary.js';
import type { Profile, RequestRecord, ScenarioResult } from './types.js';

export interface Progress {
  listener: DrillListener;
  /** end the display: scenarios that never ran are shown as skipped; resolves once it is done */
  end(): Promise<void>;
}

interface Live {
  step: string;
  ok: number;
  failed: number;
  /** start times (ms) of the records of the last second, for req/s */
  recent: number[];
}

function liveLine(l: Live): string {
  const now = Date.now();
  while (l.recent.length && (l.recent[0] ?? 0) < now - 1000) l.recent.shift();
  return `${l.step} · ${l.recent.length} req/s · ${l.ok} ok · ${l.failed} failed`;
}

function resultLine(r: ScenarioResult): string {
  const s = r.summary;
  const head = r.error ? 'ERROR' : r.pass ? 'pass' : 'FAIL';
  return `${head}: ${s.total} requests, ${s.failed ? `${s.failed} failed (${describeFailures(s)})` : '0 failed'}, slowest ${formatMs(s.max)}${r.error ? ` — ${r.error.split('\n')[0] ?? ''}` : ''}`;
}

function newLive(): Live {
  return { step: 'starting', ok: 0, failed: 0, recent: [] };
}

function count(l: Live, r: RequestRecord): void {
  if (r.kind === 'ok') l.ok++;
  else l.failed++;
  l.recent.push(Date.now());
}

/** plain lines for logs and CI; `converge: false` (--no-converge) says the profile is only checked */
export function plainProgress(write: (line: string) => void = (s) => process.stderr.write(s + '\n'), opts: { converge?: boolean } = {}): Progress {
  let live = newLive();
  let current = '';
  let lastPrint = 0;
  return {
    end: () => Promise.resolve(),
    listener: {
      profileStart: (p) => {
        current = `profile ${p}`;
        write(`drill: profile ${p}: ${opts.converge === false ? 'the lab is at it (--no-converge): converging nothing' : 'converging'}`);
      },
      scenarioStart: (s, p) => {
        live = newLive();
        current = `${s.name} (${p})`;
        write(`drill: ${current}: ${s.description}`);
      },
      step: (label) => {
        live.step = label;
        write(`drill: ${current}: ${label}`);
      },
      record: (r) => {
        count(live, r);
        const now = Date.now();
        if (now - lastPrint >= 2000) {
          lastPrint = now;
          write(`drill: ${current}: ${liveLine(live)}`);
        }
      },
      scenarioEnd: (r) => write(`drill: ${current}: ${resultLine(r)}`),
    },
  };
}

interface Deferred {
  promise: Promise<ScenarioResult>;
  resolve(r: ScenarioResult): void;
  reject(e: Error): void;
}
function deferred(): Deferred {
  let resolve: (r: ScenarioResult) => void = () => undefined;
  let reject: (e: Error) => void = () => undefined;
  const promise = new Promise<ScenarioResult>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

type Task = ListrTaskWrapper<unknown, typeof DefaultRenderer, typeof SimpleRenderer>;

/** listr2 task list, one task per scenario and profile, in the drill's order */
export function listrProgress(list: Scenario[], profiles: Profile[]): Progress {
  const slots = new Map<string, Deferred>();
  const key = (name: string, p: Profile, i: number): string => `${p}/${i}/${name}`;
  let live = newLive();
  let task: Task | undefined;
  let order = 0;
  const update = (): void => {
    if (task) task.output = liveLine(live);
  };
  const tasks = profiles.flatMap((p) =>
    list.map((s, i) => {
      const k = key(s.name, p, i);
      slots.set(k, deferred());
      return {
        title: `${s.name} (${p})`,
        task: async (_ctx: unknown, t: Task): Promise<void> => {
          task = t;
          const ticker = setInterval(update, 250);
          try {
            const r = await (slots.get(k)?.promise ?? Promise.reject(new Error('no slot')));
            t.title = `${s.name} (${p}): ${resultLine(r)}`;
            if (!r.pass) throw new Error(resultLine(r));
          } finally {
            clearInterval(ticker);
          }
        },
      };
    }),
  );
  const listr = new Listr(tasks, {
    concurrent: false,
    exitOnError: false,
    rendererOptions: { collapseErrors: true, showErrorMessage: false },
    registerSignalListeners: false,
    // stdout is kept for -o json
    processOutput: new ProcessOutput(process.stderr, process.stderr),
  } as ConstructorParameters<typeof Listr>[1]);
  const finished = listr.run().then(
    () => undefined,
    () => undefined,
  );
  const indexOf = new Map<string, number>();
  return {
    end: async () => {
      for (const d of slots.values()) d.reject(new Error('not run'));
      await finished;
    },
    listener: {
      scenarioStart: (s, p) => {
        live = newLive();
        const n = indexOf.get(p) ?? 0;
        indexOf.set(p, n + 1);
        order = n;
        void s;
      },
      step: (label) => {
        live.step = label;
      },
      record: (r) => count(live, r),
      scenarioEnd: (r) => slots.get(key(r.scenario, r.profile, order))?.resolve(r),
    },
  };
}

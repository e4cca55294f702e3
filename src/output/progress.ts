/**
 * Live progress on a terminal with listr2: one line per play showing the
 * current task and each host's state; changes and failures stay on screen.
 * The recap (and --diff output) is printed when the run ends.
 */
import type { Writable } from 'node:stream';
import { Listr, type ListrTaskWrapper, type ListrDefaultRenderer, type ListrSimpleRenderer } from 'listr2';
import type { EngineEvent, EventListener } from '../engine/types.js';
import { banner, formatDiff, formatRecap } from './ansible.js';

type Wrapper = ListrTaskWrapper<unknown, ListrDefaultRenderer, ListrSimpleRenderer>;

export interface Progress {
  listener: EventListener;
  /** resolves once the display has finished drawing */
  done(): Promise<void>;
}

export function progressDisplay(opts: { out: Writable; diff: boolean }): Progress {
  let chain: Promise<void> = Promise.resolve();
  let finishPlay: (() => void) | undefined;
  let wrapper: Wrapper | undefined;
  let playTitle = '';
  let taskTitle = '';
  let hostState = new Map<string, string>();
  let notes: string[] = [];
  const diffs: string[] = [];
  let recapText = '';
  let failed = false;

  const refresh = (): void => {
    if (!wrapper) return;
    wrapper.title = `${playTitle} › ${taskTitle}`;
    const states = [...hostState.entries()].map(([h, s]) => `${h}: ${s}`).join('  ');
    wrapper.output = [...notes, states].filter(Boolean).join('\n');
  };

  const listener = (e: EngineEvent): void => {
    switch (e.type) {
      case 'play.start': {
        playTitle = `PLAY [${e.name}]${e.batch ? ` ${e.batch.index}/${e.batch.count}` : ''}`;
        taskTitle = 'starting';
        hostState = new Map(e.hosts.map((h) => [h, 'waiting']));
        notes = [];
        failed = false;
        const finished = new Promise<void>((resolve) => {
          finishPlay = resolve;
        });
        const list = new Listr(
          [
            {
              title: playTitle,
              rendererOptions: { persistentOutput: true },
              task: async (_ctx, task): Promise<void> => {
                wrapper = task as Wrapper;
                refresh();
                await finished;
                wrapper.title = `${playTitle} (${[...hostState.values()].filter((s) => s === 'failed' || s === 'unreachable').length ? 'failed hosts' : 'done'})`;
                wrapper.output = notes.join('\n');
                if (failed) throw new Error(`${playTitle}: a host failed`);
              },
            },
          ],
          { renderer: 'default', rendererOptions: { collapseErrors: false }, exitOnError: false, registerSignalListeners: false },
        );
        chain = chain.then(() => list.run().then(() => undefined, () => undefined));
        break;
      }
      case 'task.start':
        taskTitle = `${e.handler ? 'HANDLER' : 'TASK'} [${e.role ? `${e.role} : ` : ''}${e.name}]`;
        for (const h of e.hosts) hostState.set(h, 'running');
        refresh();
        break;
      case 'host.result':
        hostState.set(e.host, e.status);
        if (e.status === 'changed') notes.push(`changed: [${e.host}] ${e.task}`);
        if (e.status === 'failed' && !e.result.ignored) {
          failed = true;
          notes.push(`failed: [${e.host}] ${e.task}: ${String(e.result.msg ?? '')}`);
        }
        if (e.status === 'unreachable') {
          failed = true;
          notes.push(`unreachable: [${e.host}] ${String(e.result.msg ?? '')}`);
        }
        if (opts.diff) for (const d of e.result.diff ?? []) diffs.push(`[${e.host}] ${e.task}\n${formatDiff(d)}`);
        refresh();
        break;
      case 'warning':
        notes.push(`[WARNING] ${e.host ? `${e.host}: ` : ''}${e.message}`);
        refresh();
        break;
      case 'play.end':
        finishPlay?.();
        break;
      case 'playbook.end':
        recapText = formatRecap(e.recap);
        break;
      default:
        break;
    }
  };
  return {
    listener,
    done: async () => {
      finishPlay?.();
      await chain;
      for (const d of diffs) opts.out.write(d);
      opts.out.write(`${banner('PLAY RECAP')}${recapText}`);
    },
  };
}

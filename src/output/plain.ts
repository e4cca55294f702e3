/**
 * Plain, greppable, Ansible-like lines (for logs and non-terminals):
 *   PLAY [name] / TASK [role : name] / ok: [host] / changed: [host] /
 *   fatal: [host]: FAILED! => {...} / PLAY RECAP.
 */
import type { Writable } from 'node:stream';
import type { EngineEvent, EventListener, TaskResult } from '../engine/types.js';
import { formatDiff } from './diff.js';
import { formatRecap } from './recap.js';

export interface PlainOptions {
  out: Writable;
  verbosity: number;
  diff: boolean;
}

export function banner(title: string): string {
  return `\n${title} ${'*'.repeat(Math.max(3, 78 - title.length))}\n`;
}

function itemLabel(r: TaskResult): string {
  if (!('item' in r)) return '';
  const item = '_ansible_item_label' in r ? r._ansible_item_label : r.item;
  return ` => (item=${typeof item === 'string' ? item : JSON.stringify(item)})`;
}

function details(r: TaskResult): Record<string, unknown> {
  const { diff: _d, results: _r, plan: _p, ...rest } = r;
  return rest;
}

/** check mode: the commands and writes the plan would run, one per line (-v) */
function planLines(r: TaskResult): string {
  const plan = Array.isArray(r.plan) ? r.plan : [];
  return plan.map((step) => `    would run: ${String(step)}\n`).join('');
}

export function plainListener(opts: PlainOptions): EventListener {
  const w = (s: string): void => {
    opts.out.write(s);
  };
  const line = (status: string, host: string, r: TaskResult, module?: string): void => {
    switch (status) {
      case 'failed':
        w(`fatal: [${host}]${itemLabel(r)}: FAILED! => ${JSON.stringify(details(r))}\n`);
        if (r.ignored) w('...ignoring\n');
        break;
      case 'unreachable':
        w(`fatal: [${host}]: UNREACHABLE! => ${JSON.stringify({ msg: r.msg, unreachable: true, changed: false })}\n`);
        break;
      case 'skipped':
        w(`skipping: [${host}]${itemLabel(r)}\n`);
        if (opts.verbosity > 0) w(planLines(r));
        break;
      default: {
        const msg = opts.verbosity > 0 ? ` => ${JSON.stringify(details(r))}` : module === 'debug' && r.msg !== undefined ? ` => ${JSON.stringify({ msg: r.msg })}` : '';
        w(`${status}: [${host}]${itemLabel(r)}${msg}\n`);
        if (opts.verbosity > 0) w(planLines(r));
      }
    }
    if (opts.diff) for (const d of r.diff ?? []) w(formatDiff(d));
  };
  return (e: EngineEvent) => {
    switch (e.type) {
      case 'play.start':
        w(banner(`PLAY [${e.name}]${e.batch ? ` (batch ${e.batch.index}/${e.batch.count}: ${e.hosts.join(', ')})` : ''}`));
        break;
      case 'task.start':
        w(banner(`${e.handler ? 'RUNNING HANDLER' : 'TASK'} [${e.role ? `${e.role} : ` : ''}${e.name}]`));
        break;
      case 'host.result': {
        const r = e.result;
        if (e.included !== undefined) {
          w(`included: ${e.included} for ${e.host}${itemLabel(r)}\n`);
          break;
        }
        // delegate_to: Ansible shows "[host -> delegate]"
        const host = e.delegate !== undefined ? `${e.host} -> ${e.delegate}` : e.host;
        if (r.results && r.results.length) {
          for (const item of r.results) line(statusOfItem(item), host, item, e.module);
          if (e.status === 'failed') w(`fatal: [${host}]: FAILED! => ${JSON.stringify({ msg: r.msg })}\n`);
        } else line(e.status, host, r, e.module);
        break;
      }
      case 'host.retry':
        w(`FAILED - RETRYING: [${e.host}]: ${e.task} (${e.retriesLeft} retries left).\n`);
        break;
      case 'warning':
        w(`[WARNING]: ${e.host ? `${e.host}: ` : ''}${e.message}\n`);
        break;
      case 'playbook.end':
        w(banner('PLAY RECAP'));
        w(formatRecap(e.recap));
        break;
      default:
        break;
    }
  };
}

function statusOfItem(r: TaskResult): string {
  if (r.unreachable) return 'unreachable';
  if (r.failed) return 'failed';
  if (r.skipped) return 'skipped';
  return r.changed ? 'changed' : 'ok';
}

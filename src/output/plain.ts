/**
 * Ansible's default callback (ansible-core 2.14), line for line: PLAY and
 * TASK banners, `ok:` / `changed:` / `skipping:` / `fatal:` lines with the
 * result as JSON at -v (debug always), the diff before the `changed:` line,
 * loop items, `task path:` at -vv, indented results with diff and invocation
 * at -vvv, the CLI arguments at -vvvv, and the PLAY RECAP. Colours as
 * Ansible's when asked (a terminal); warnings go to `err` as Ansible's do.
 */
import { basename } from 'node:path';
import type { Writable } from 'node:stream';
import type { EngineEvent, EventListener, TaskResult } from '../engine/types.js';
import { banner, dumpResult, formatDiff, formatRecap, isDebug, itemLabel } from './ansible.js';

export interface PlainOptions {
  out: Writable;
  /** warnings (Ansible writes them to stderr); default: out */
  err?: Writable;
  verbosity: number;
  diff: boolean;
  /** ANSI colours as Ansible's on a terminal */
  color?: boolean;
  /** banner width (Ansible: max(79, terminal columns - 1)) */
  width?: number;
  /** -vv: "N plays in FILE" */
  playCount?: number;
  /** -vvvv: the command-line arguments, as `name: value` lines */
  cliArgs?: Record<string, unknown>;
}

/** Ansible's colours (constants.py COLOR_*), as stringc writes them */
const COLORS = {
  ok: '0;32',
  changed: '0;33',
  error: '0;31',
  skip: '0;36',
  unreachable: '1;31',
  warn: '1;35',
  debug: '1;30',
  verbose: '0;34',
} as const;
type Color = keyof typeof COLORS;

export function plainListener(opts: PlainOptions): EventListener {
  const v = opts.verbosity;
  const width = opts.width ?? 79;
  const paint = (s: string, color: Color | undefined): string =>
    opts.color && color ? s.split('\n').map((l) => `\x1b[${COLORS[color]}m${l}\x1b[0m`).join('\n') : s;
  const say = (s: string, color?: Color): void => {
    opts.out.write(`${paint(s, color)}\n`);
  };
  const raw = (s: string): void => {
    opts.out.write(s);
  };
  const paintDiff = (text: string): string =>
    opts.color
      ? text
          .split('\n')
          .map((l) => (l.startsWith('+') ? paint(l, 'ok') : l.startsWith('-') ? paint(l, 'error') : l.startsWith('@@') ? paint(l, 'skip') : l))
          .join('\n')
      : text;
  const showDiff = (r: TaskResult): void => {
    if (!opts.diff || !r.changed || !r.diff?.length) return;
    const text = r.diff.map(formatDiff).join('');
    // the diff ends with a blank line; Display.display adds no newline to text that ends with one
    if (text) raw(paintDiff(text));
  };

  /** hapb's own, at -v: the commands and writes a check-mode plan would run */
  const planLines = (r: TaskResult): void => {
    if (v > 0 && Array.isArray(r.plan)) for (const step of r.plan) say(`    would run: ${String(step)}`);
  };
  const verbose = (module: string | undefined): boolean => v > 0 || isDebug(module);

  const okLine = (host: string, r: TaskResult, module: string | undefined, item: boolean): void => {
    const status = r.changed ? 'changed' : 'ok';
    let msg = item ? `${status}: [${host}] => (item=${itemLabel(r)})` : `${status}: [${host}]`;
    if (verbose(module)) msg += ` => ${dumpResult(r, { verbosity: v, ...(module ? { module } : {}) })}`;
    say(msg, r.changed ? 'changed' : 'ok');
    planLines(r);
  };
  const failedLine = (host: string, r: TaskResult, module: string | undefined, item: boolean): void => {
    const dump = dumpResult(r, { verbosity: v, ...(module ? { module } : {}) });
    say(item ? `failed: [${host}] (item=${itemLabel(r)}) => ${dump}` : `fatal: [${host}]: FAILED! => ${dump}`, 'error');
  };
  const skippedLine = (host: string, r: TaskResult, item: boolean): void => {
    let msg = item ? `skipping: [${host}] => (item=${itemLabel(r)}) ` : `skipping: [${host}]`;
    if (v > 0) msg += ` => ${dumpResult(r, { verbosity: v })}`;
    say(msg, 'skip');
    planLines(r);
  };
  const itemLine = (host: string, r: TaskResult, module: string | undefined): void => {
    if (r.unreachable) say(`fatal: [${host}]: UNREACHABLE! => ${dumpResult(r, { verbosity: v })}`, 'unreachable');
    else if (r.failed) failedLine(host, r, module, true);
    else if (r.skipped) skippedLine(host, r, true);
    else okLine(host, r, module, true);
  };

  return (e: EngineEvent) => {
    switch (e.type) {
      case 'playbook.start':
        if (v > 3 && opts.cliArgs) {
          // as v2_playbook_on_start: the positional arguments, then every option that is set, Python's repr for lists
          const { args, ...rest } = opts.cliArgs;
          if (Array.isArray(args) && args.length) say(`Positional arguments: ${args.map(String).join(' ')}`, 'verbose');
          for (const [k, val] of Object.entries(rest)) {
            if (val === undefined || val === false || val === '' || (Array.isArray(val) && val.length === 0)) continue;
            const name = k === 'verbose' ? 'verbosity' : k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
            const shown = Array.isArray(val) ? `(${val.map((x) => `'${String(x)}'`).join(', ')}${val.length === 1 ? ',' : ''})` : String(val);
            say(`${name}: ${shown}`, 'verbose');
          }
        }
        if (v > 1) {
          raw(banner(`PLAYBOOK: ${basename(e.file)}`, width));
          if (opts.playCount !== undefined) say(`${opts.playCount} plays in ${e.file}`);
        }
        break;
      case 'play.start':
        raw(banner(e.name.trim() ? `PLAY [${e.name}]` : 'PLAY', width));
        break;
      case 'task.start':
        raw(banner(`${e.handler ? 'RUNNING HANDLER' : 'TASK'} [${e.role ? `${e.role} : ` : ''}${e.name}]`, width));
        if (v >= 2 && e.pos) say(`task path: ${e.pos.file}:${e.pos.line}`, 'debug');
        break;
      case 'host.result': {
        const r = e.result;
        // one line per included file, for every host including it (Ansible's v2_playbook_on_include)
        if (e.included !== undefined) {
          if (e.includedFor) say(`included: ${e.included} for ${e.includedFor.join(', ')}${'item' in r ? ` => (item=${itemLabel(r)})` : ''}`, 'skip');
          break;
        }
        // delegate_to: Ansible shows "[host -> delegate]"
        const host = e.delegate !== undefined ? `${e.host} -> ${e.delegate}` : e.host;
        if (Array.isArray(r.results) && r.results.length) {
          for (const item of r.results) itemLine(host, item, e.module);
          for (const item of r.results) showDiff(item);
          if (e.status === 'skipped') skippedLine(host, r, false);
          if (e.status === 'failed' && r.ignored) say('...ignoring', 'skip');
          break;
        }
        switch (e.status) {
          case 'unreachable':
            say(`fatal: [${host}]: UNREACHABLE! => ${dumpResult(r, { verbosity: v })}`, 'unreachable');
            break;
          case 'failed':
            failedLine(host, r, e.module, false);
            if (r.ignored) say('...ignoring', 'skip');
            break;
          case 'skipped':
            skippedLine(host, r, false);
            break;
          default:
            showDiff(r);
            okLine(host, r, e.module, false);
        }
        break;
      }
      case 'host.retry':
        say(`FAILED - RETRYING: [${e.host}]: ${e.task} (${e.retriesLeft} retries left).`, 'changed');
        break;
      case 'warning':
        (opts.err ?? opts.out).write(`${paint(`[WARNING]: ${e.host ? `${e.host}: ` : ''}${e.message}`, 'warn')}\n`);
        break;
      case 'playbook.end':
        raw(banner('PLAY RECAP', width));
        if (opts.color) {
          for (const h of Object.keys(e.recap).sort()) {
            const s = e.recap[h]!;
            const hostColor: Color = s.failed || s.unreachable ? 'error' : s.changed ? 'changed' : 'ok';
            const cells = (
              [
                ['ok', s.ok, 'ok'],
                ['changed', s.changed, 'changed'],
                ['unreachable', s.unreachable, 'unreachable'],
                ['failed', s.failed, 'error'],
                ['skipped', s.skipped, 'skip'],
                ['rescued', s.rescued, 'ok'],
                ['ignored', s.ignored, 'warn'],
              ] as const
            ).map(([name, n, color]) => {
              const cell = `${name}=${String(n).padEnd(4)}`;
              return n ? paint(cell, color) : cell;
            });
            // hostcolor pads the coloured name to 37 characters
            raw(`${paint(h, hostColor).padEnd(37)} : ${cells.join(' ')}\n`);
          }
          raw('\n');
        } else raw(formatRecap(e.recap));
        break;
      default:
        break;
    }
  };
}

/**
 * wait_for: poll on the host until a TCP port opens or closes, or a file
 * appears (optionally containing a regex) or disappears. The loop runs on the
 * host, like Ansible's module runs on the target. Never changes anything;
 * waiting is its whole job, so in check mode it is skipped (traits.checkMode 'none').
 */
import { shellQuote } from '../connection/command.js';
import { intSchema, numberSchema, objectSchema, stringSchema, toInt } from './args.js';
import { failedPlan } from './result.js';
import type { Module } from './types.js';

export type WaitForArgs = {
  host?: string;
  port?: number | string;
  path?: string;
  state?: 'started' | 'stopped' | 'present' | 'absent';
  search_regex?: string;
  timeout?: number | string;
  delay?: number | string;
  sleep?: number | string;
  connect_timeout?: number | string;
  msg?: string;
};

/** The shell loop that waits; exits 0 when the condition holds, 3 on timeout. */
export function waitScript(a: {
  probe: string;
  wantUp: boolean;
  timeout: number;
  delay: number;
  sleep: number;
}): string {
  return [
    a.delay > 0 ? `sleep ${a.delay}` : ':',
    `end=$(( $(date +%s) + ${a.timeout} ))`,
    `while :; do`,
    `  if ${a.probe}; then up=1; else up=0; fi`,
    `  if [ "$up" = ${a.wantUp ? 1 : 0} ]; then exit 0; fi`,
    `  if [ "$(date +%s)" -ge "$end" ]; then exit 3; fi`,
    `  sleep ${a.sleep}`,
    `done`,
  ].join('\n');
}

export const waitForModule: Module<WaitForArgs> = {
  name: 'wait_for',
  traits: { checkMode: 'none' },
  schema: objectSchema({
    host: stringSchema,
    port: intSchema,
    path: stringSchema,
    state: { enum: ['started', 'stopped', 'present', 'absent'] },
    search_regex: stringSchema,
    timeout: intSchema,
    delay: intSchema,
    sleep: numberSchema,
    connect_timeout: intSchema,
    msg: stringSchema,
  }),
  check(_ctx, args) {
    const timeout = toInt(args.timeout, 'timeout', 300);
    const delay = toInt(args.delay, 'delay', 0);
    const sleep = toInt(args.sleep, 'sleep', 1);
    const connectTimeout = toInt(args.connect_timeout, 'connect_timeout', 5);
    const state = args.state ?? 'started';
    let probe: string;
    let what: string;
    let wantUp: boolean;
    if (args.port !== undefined && args.path !== undefined) return Promise.resolve(failedPlan('port and path are mutually exclusive'));
    if (args.port !== undefined) {
      if (state !== 'started' && state !== 'stopped') return Promise.resolve(failedPlan(`state=${state} needs path, not port`));
      const host = args.host ?? '127.0.0.1';
      const port = toInt(args.port, 'port', 0);
      // bash is essential on Debian; /dev/tcp connects and closes at once
      probe = `timeout ${connectTimeout} bash -c 'exec 3<>/dev/tcp/$0/$1' ${shellQuote(host)} ${port} 2>/dev/null`;
      what = `${host}:${port}`;
      wantUp = state === 'started';
    } else if (args.path !== undefined) {
      const p = shellQuote(args.path);
      wantUp = state === 'started' || state === 'present';
      probe =
        args.search_regex !== undefined && wantUp
          ? `grep -qE -- ${shellQuote(args.search_regex)} ${p} 2>/dev/null`
          : `[ -e ${p} ]`;
      what = `file ${args.path}`;
    } else if (delay > 0 || args.timeout !== undefined) {
      // neither port nor path: a pause of delay + timeout seconds on the host, as in Ansible
      const secs = delay + toInt(args.timeout, 'timeout', 0);
      return Promise.resolve({
        changed: false,
        data: { elapsed: secs },
        steps: [{ run: `sleep ${secs}`, timeoutMs: (secs + 30) * 1000, doing: 'sleep on the host' }],
      });
    } else {
      return Promise.resolve(failedPlan('wait_for needs port or path (or a delay)'));
    }
    const script = waitScript({ probe, wantUp, timeout, delay, sleep });
    const data: Record<string, unknown> = { state, ...(args.port !== undefined ? { port: toInt(args.port, 'port', 0) } : {}), ...(args.path ? { path: args.path } : {}) };
    return Promise.resolve({
      changed: false,
      data,
      steps: [{ run: script, keepOutput: true, timeoutMs: (timeout + delay + connectTimeout + 30) * 1000 }],
      report: ([r]) => {
        if (!r) return {};
        // seconds, measured on the controller (tenths: the host's date has whole seconds only)
        const elapsed = Math.round(r.ms / 100) / 10;
        if (r.rc === 0) return { elapsed };
        if (r.rc === 3) return { elapsed, failed: true, msg: args.msg ?? `Timeout when waiting for ${what}` };
        return { elapsed, failed: true, msg: `waiting for ${what} failed (rc ${r.rc}): ${r.stderr.trim()}` };
      },
    });
  },
};

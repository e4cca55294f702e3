/** Splits a play's hosts into rolling batches, as Ansible's `serial` does. */
import { HapbError, ExitCode } from '../errors/index.js';
import type { SerialSpec } from '../playbook/types.js';

function batchSize(spec: number | string, total: number): number {
  if (typeof spec === 'number') return spec;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(spec);
  if (!m) throw new HapbError(`serial: '${spec}' is neither a number nor a percentage`, { exitCode: ExitCode.invalidInput, hint: 'use serial: 1, serial: "30%" or a list of them' });
  const n = Number(m[1]);
  return m[2] === '%' ? Math.max(1, Math.floor((total * n) / 100)) : Math.max(1, Math.floor(n));
}

export function serialBatches<T>(hosts: readonly T[], serial: SerialSpec | undefined): T[][] {
  if (serial === undefined || hosts.length === 0) return hosts.length ? [[...hosts]] : [];
  const specs = Array.isArray(serial) ? serial : [serial];
  if (specs.length === 0) return [[...hosts]];
  const out: T[][] = [];
  let i = 0;
  let s = 0;
  while (i < hosts.length) {
    const spec = specs[Math.min(s, specs.length - 1)] as number | string;
    const size = batchSize(spec, hosts.length);
    out.push(hosts.slice(i, i + size));
    i += size;
    s++;
  }
  return out;
}

/** Splits a play's hosts into rolling batches, as Ansible's `serial` does. */
import { HapbError, ExitCode, SchemaError, errorMessage, type SourcePos } from '../errors/index.js';
import { SERIAL_HINT, SERIAL_VALUE, type SerialSpec } from '../playbook/types.js';
import { containsTemplate } from '../template/index.js';
import type { Vars } from './types.js';

/** a batch size; 0 or less is every remaining host (Ansible's serial <= 0) */
function batchSize(spec: number | string, total: number): number {
  if (typeof spec === 'number') return spec;
  const m = SERIAL_VALUE.exec(spec);
  if (!m) throw new HapbError(`serial: '${spec}' is neither a number nor a percentage`, { exitCode: ExitCode.invalidInput, hint: SERIAL_HINT });
  const n = Number(m[1]);
  return m[2] === '%' ? Math.max(1, Math.floor((total * n) / 100)) : n;
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
    const take = size <= 0 ? hosts.length - i : size;
    out.push(hosts.slice(i, i + take));
    i += take;
    s++;
  }
  return out;
}

/**
 * A play's `serial` with its templates rendered, as Ansible's post_validate
 * does before it batches the hosts: with the play's variables (the roles'
 * defaults and vars, the play's vars, extra vars), never a host's. Every
 * value is checked here, so a bad one stops the play before any host is touched.
 */
export function templatedSerial(serial: SerialSpec | undefined, vars: () => Vars, render: (v: unknown, vars: Vars) => unknown, pos: SourcePos | undefined): SerialSpec | undefined {
  if (serial === undefined) return undefined;
  let out: unknown = serial;
  if (containsTemplate(serial)) {
    try {
      out = render(serial, vars());
    } catch (err) {
      throw new SchemaError(`serial: ${errorMessage(err)}`, pos, SERIAL_HINT);
    }
  }
  const items = Array.isArray(out) ? out : [out];
  for (const v of items) {
    const ok = (typeof v === 'number' && Number.isInteger(v)) || (typeof v === 'string' && SERIAL_VALUE.test(v));
    if (!ok) throw new SchemaError(`serial: ${JSON.stringify(v)}${out !== serial ? ` (from ${JSON.stringify(serial)})` : ''} is neither a whole number nor a percentage`, pos, SERIAL_HINT);
  }
  return out as SerialSpec;
}

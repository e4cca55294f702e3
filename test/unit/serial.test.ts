import { describe, expect, it } from 'vitest';
import { SchemaError } from '../../src/errors/index.js';
import { serialBatches, templatedSerial } from '../../src/engine/serial.js';
import { createTemplater } from '../../src/template/index.js';

const t = createTemplater();
const render = (v: unknown, vars: Record<string, unknown>): unknown => t.templateValue(v, vars);
const pos = { file: 'site.yml', line: 12, col: 11 };

describe('serial batches (Ansible semantics)', () => {
  const hosts = ['a', 'b', 'c', 'd', 'e'];
  it('a number, a percentage (floored, at least 1), a list whose last item repeats', () => {
    expect(serialBatches(hosts, 2)).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(serialBatches(hosts, '30%')).toEqual([['a'], ['b'], ['c'], ['d'], ['e']]);
    expect(serialBatches(hosts, '100%')).toEqual([hosts]);
    expect(serialBatches(hosts, [1, '40%'])).toEqual([['a'], ['b', 'c'], ['d', 'e']]);
  });
  it('0 (as a templated value can give) is every remaining host, as Ansible\'s serial <= 0', () => {
    expect(serialBatches(hosts, '0')).toEqual([hosts]);
    expect(serialBatches(hosts, [1, 0])).toEqual([['a'], ['b', 'c', 'd', 'e']]);
  });
});

describe('templatedSerial: rendered with the play\'s variables before batching', () => {
  it('leaves a plain value alone, renders a template and a list of templates', () => {
    expect(templatedSerial(1, () => ({}), render, pos)).toBe(1);
    expect(templatedSerial(undefined, () => ({}), render, pos)).toBeUndefined();
    expect(templatedSerial('{{ n | default(1) }}', () => ({ n: '100%' }), render, pos)).toBe('100%');
    expect(templatedSerial('{{ n | default(1) }}', () => ({}), render, pos)).toBe(1);
    expect(templatedSerial(['{{ a }}', '{{ b }}'], () => ({ a: 1, b: '50%' }), render, pos)).toEqual([1, '50%']);
  });
  it('an undefined variable: an input error at the play\'s line, before any host', () => {
    const err = (() => {
      try {
        templatedSerial('{{ nope }}', () => ({}), render, pos);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(SchemaError);
    expect((err as Error).message).toMatch(/^site\.yml:12:11: serial: .*nope/);
  });
  it('a value that is no whole number or percentage names it and the template', () => {
    expect(() => templatedSerial('{{ n }}', () => ({ n: 'abc' }), render, pos)).toThrow(/site\.yml:12:11: serial: "abc" \(from "\{\{ n \}\}"\) is neither a whole number nor a percentage/);
    expect(() => templatedSerial('{{ n }}', () => ({ n: '1.5' }), render, pos)).toThrow(/"1\.5"/);
    expect(() => templatedSerial('{{ n }}', () => ({ n: '' }), render, pos)).toThrow(/serial: ""/);
  });
});

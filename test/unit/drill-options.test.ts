import { describe, expect, it } from 'vitest';
import { parseDrillOptions } from '../../src/drill/options.js';
import { resolveScenarios } from '../../src/drill/resolve.js';
import { plans, scenarios } from '../../src/drill/scenarios/catalog.js';
import { HapbError } from '../../src/errors/index.js';

function exitCodeOf(f: () => unknown): number | undefined {
  try {
    f();
  } catch (e) {
    return e instanceof HapbError ? e.exitCode : -1;
  }
  return undefined;
}

describe('drill options', () => {
  it('defaults: lab default, profile hapb, 200 req/s, 5 s, a new connection per request, text, healthy start, plain HTTP', () => {
    expect(parseDrillOptions({})).toEqual({ name: 'default', profiles: ['hapb'], rate: 200, timeoutMs: 5000, keepalive: 0, json: false, mode: 'healthy-start', https: false, ipv6: false, converge: true });
    expect(parseDrillOptions({ https: true }).https).toBe(true);
    expect(parseDrillOptions({ ipv6: true }).ipv6).toBe(true);
  });

  it.each([
    [{ profile: 'both' }, { profiles: ['tutorial', 'hapb'] }],
    [{ keepalive: true }, { keepalive: 4 }],
    [{ keepalive: '8' }, { keepalive: 8 }],
    [{ timeout: '1.5' }, { timeoutMs: 1500 }],
    [{ output: 'json', report: 'out/x' }, { json: true, reportDir: 'out/x' }],
    [{ carryOver: true }, { mode: 'carry-over' }],
    [{ converge: false }, { converge: false, profiles: ['hapb'] }],
    [{ converge: false, profile: 'tutorial' }, { converge: false, profiles: ['tutorial'] }],
  ])('%j → %j', (raw, want) => {
    expect(parseDrillOptions(raw)).toMatchObject(want);
  });

  it.each([[{ profile: 'nginx-plus' }], [{ rate: '0' }], [{ rate: 'fast' }], [{ timeout: '-1' }], [{ output: 'yaml' }], [{ keepalive: '0' }], [{ converge: false, profile: 'both' }]])(
    'rejects %j as bad input (exit 4)',
    (raw) => {
      expect(exitCodeOf(() => parseDrillOptions(raw))).toBe(4);
    },
  );
});

describe('scenario names', () => {
  it('all is every scenario once, in catalog order; no names means all', () => {
    expect(resolveScenarios(['all']).map((s) => s.name)).toEqual(scenarios.map((s) => s.name));
    expect(resolveScenarios([]).map((s) => s.name)).toEqual(scenarios.map((s) => s.name));
  });

  it('seed-plan expands to its sequence and every plan names real scenarios', () => {
    expect(resolveScenarios(['seed-plan']).map((s) => s.name)).toEqual(plans['seed-plan']);
    for (const list of Object.values(plans)) expect(() => resolveScenarios([...list])).not.toThrow();
  });

  it('an unknown name is bad input and lists the known ones', () => {
    try {
      resolveScenarios(['baseline', 'lb-explode']);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(HapbError);
      expect((e as HapbError).exitCode).toBe(4);
      expect((e as HapbError).hint).toContain('lb-poweroff');
    }
  });

  it('scenario names are unique', () => {
    const names = scenarios.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
  });
});

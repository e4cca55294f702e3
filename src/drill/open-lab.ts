/**
 * Find the running lab by name and wrap it as a LabControl. The lab module is
 * loaded at run time so the drill builds and runs its tests without it.
 */
import { HapbError } from '../errors/index.js';
import type { LabControl } from './lab-control.js';
import { labControl, type AdapterOptions, type LabApi } from './lab-adapter.js';

export type OpenLab = (name: string) => Promise<LabControl>;

function looksLikeLabApi(m: unknown): m is LabApi {
  if (m === null || typeof m !== 'object') return false;
  const names = ['execIn', 'poweroff', 'poweron', 'cut', 'uncut', 'partition', 'heal', 'addressesIn', 'loadLab', 'convergeLab'];
  return names.every((n) => typeof (m as Record<string, unknown>)[n] === 'function');
}

export function openLabWith(opts: AdapterOptions = {}): OpenLab {
  return async (name) => {
    const spec = '../lab/index.js';
    let mod: unknown;
    try {
      mod = await import(spec);
    } catch (err) {
      throw new HapbError(`cannot drive lab "${name}": the lab module is not in this build`, {
        hint: 'build hapb with src/lab (hapb lab) first',
        cause: err,
      });
    }
    if (!looksLikeLabApi(mod)) {
      throw new HapbError(`cannot drive lab "${name}": src/lab lacks part of the API the drill needs`);
    }
    return labControl(mod, name, opts);
  };
}

export const openLab: OpenLab = openLabWith();

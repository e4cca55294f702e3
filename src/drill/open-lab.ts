/** Find a running lab by name and wrap it as a LabControl over src/lab. */
import * as labApi from '../lab/index.js';
import { quietConverge } from './converge.js';
import type { LabControl } from './lab-control.js';
import { labControl, type AdapterOptions } from './lab-adapter.js';

export type OpenLab = (name: string) => Promise<LabControl>;

/** without a converge hook, this build's `hapb run` is used (output captured) */
export function openLabWith(opts: AdapterOptions = {}): OpenLab {
  return async (name) => {
    const converge = opts.converge ?? quietConverge();
    return labControl(labApi, name, { ...opts, ...(converge ? { converge } : {}) });
  };
}

export const openLab: OpenLab = openLabWith();

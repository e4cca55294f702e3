/** Find a running lab by name and wrap it as a LabControl over src/lab. */
import * as labApi from '../lab/index.js';
import { cliConverge } from '../lab/converge.js';
import type { LabControl } from './lab-control.js';
import { labControl, type AdapterOptions } from './lab-adapter.js';

export type OpenLab = (name: string) => Promise<LabControl>;

/** without a converge hook, this build's `hapb run` is used, its output captured */
export function openLabWith(opts: AdapterOptions = {}): OpenLab {
  return async (name) => {
    const converge = opts.converge ?? cliConverge({ quiet: true });
    return labControl(labApi, name, { ...opts, ...(converge ? { converge } : {}) });
  };
}

export const openLab: OpenLab = openLabWith();

/**
 * Find the running lab by name and wrap it as a LabControl. The adapter to
 * src/lab comes when the lab lands; until then this says so plainly.
 */
import { HapbError } from '../errors/index.js';
import type { LabControl } from './lab-control.js';

export type OpenLab = (name: string) => Promise<LabControl>;

export const openLab: OpenLab = async (name) => {
  throw new HapbError(`cannot drive lab "${name}": the lab adapter is not built yet`, {
    hint: 'the drill needs src/lab (hapb lab); until it is merged, use the load generator alone: node dist/drill/loadgen/main.js --help',
  });
};

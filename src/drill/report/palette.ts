/** Colours of the pictures: backends (Okabe-Ito, colour-blind safe), directors, failures. */

export const backendColors = ['#0072B2', '#009E73', '#E69F00', '#56B4E9', '#CC79A7', '#F0E442'];
export const directorColors = ['#9E9AC8', '#FDAE6B', '#BCBDDC', '#FDD0A2'];
export const failureColor = '#D62728';
export const nobodyColor = '#D9D9D9';
export const faultColor = '#D62728';
export const recoverColor = '#2CA02C';
export const noteColor = '#7F7F7F';
export const windowColor = '#FFF3C4';

export function colorFor(list: readonly string[], palette: readonly string[], name: string): string {
  const i = list.indexOf(name);
  return palette[(i < 0 ? 0 : i) % palette.length] ?? '#000000';
}

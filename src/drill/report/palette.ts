/**
 * Colours of the pictures. Backends: the Okabe-Ito palette (colour-blind safe),
 * ordered so that the first ones differ most (blue, orange, reddish purple,
 * bluish green, ...): two backends are never two similar hues. Failures: a dark
 * red no backend colour comes near, also under simulated deuteranopia,
 * protanopia and tritanopia (test/integration/drill-picture-render.test.ts
 * measures it on the rendered picture); they also have their own shape (✕) and
 * lane.
 */

export const backendColors = ['#0072B2', '#E69F00', '#CC79A7', '#009E73', '#56B4E9', '#F0E442'];
export const directorColors = ['#9E9AC8', '#FDAE6B', '#BCBDDC', '#FDD0A2'];
export const failureColor = '#B2182B';
export const nobodyColor = '#D9D9D9';
export const faultColor = '#B2182B';
export const recoverColor = '#2CA02C';
export const noteColor = '#7F7F7F';
export const windowColor = '#FFF3C4';

export function colorFor(list: readonly string[], palette: readonly string[], name: string): string {
  const i = list.indexOf(name);
  return palette[(i < 0 ? 0 : i) % palette.length] ?? '#000000';
}

/** The file name of a scenario's SVG in a report directory (one place, for files.ts and markdown.ts). */
export function svgFileName(scenario: string, which: string): string {
  return `${scenario}.${which}.svg`;
}

// Reads vitest's JSON report: prints the plain closing line
// "N passed, N failed, N skipped" and, under HAPB_STRICT=1, fails when any
// test was skipped (CI runs as root: nothing may be skipped there).
import { readFileSync } from 'node:fs';

const report = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const passed = report.numPassedTests ?? 0;
const failed = report.numFailedTests ?? 0;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
if (process.env.HAPB_STRICT === '1' && skipped > 0) {
  const names = [];
  for (const file of report.testResults ?? []) {
    for (const t of file.assertionResults ?? []) {
      if (t.status === 'pending' || t.status === 'skipped' || t.status === 'todo') names.push(`${file.name}: ${t.fullName}`);
    }
  }
  console.error(`HAPB_STRICT=1: ${skipped} test(s) skipped, which CI does not allow:\n  ${names.join('\n  ')}`);
  process.exit(1);
}
if (passed === 0) {
  console.error('no test ran');
  process.exit(1);
}
process.exit(failed > 0 ? 1 : 0);

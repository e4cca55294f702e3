// Reads vitest's JSON reports (one per vitest run, scripts/test.sh): prints the plain closing line
// "N passed, N failed, N skipped" and, under HAPB_STRICT=1, fails when any
// test was skipped (CI runs as root: nothing may be skipped there).
import { readFileSync } from 'node:fs';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: test-summary.mjs REPORT.json [REPORT.json ...]');
  process.exit(2);
}
// a vitest that crashed wrote no report (or an empty one): that is a failure, never "0 tests"
const reports = files.map((f) => {
  try {
    return JSON.parse(readFileSync(f, 'utf8'));
  } catch (e) {
    console.error(`no vitest report in ${f}: ${e.message}`);
    process.exit(1);
  }
});
const sum = (key) => reports.reduce((n, r) => n + (r[key] ?? 0), 0);
const passed = sum('numPassedTests');
const failed = sum('numFailedTests');
const skipped = sum('numPendingTests') + sum('numTodoTests');
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
if (process.env.HAPB_STRICT === '1' && skipped > 0) {
  const names = [];
  for (const file of reports.flatMap((r) => r.testResults ?? [])) {
    for (const t of file.assertionResults ?? []) {
      if (t.status === 'pending' || t.status === 'skipped' || t.status === 'todo') names.push(`${file.name}: ${t.fullName}`);
    }
  }
  console.error(`HAPB_STRICT=1: ${skipped} test(s) skipped, which CI does not allow:\n  ${names.join('\n  ')}`);
  process.exit(1);
}
const empty = files.filter((f, i) => (reports[i].numTotalTests ?? 0) === 0);
if (passed === 0 || empty.length > 0) {
  console.error(`no test ran${empty.length > 0 ? ` (in ${empty.join(', ')})` : ''}`);
  process.exit(1);
}
process.exit(failed > 0 ? 1 : 0);

/**
 * report.html in a real browser: Debian's chromium, headless, opens the page
 * written by `writeReport` for the synthetic drill (tutorial vs hapb) from
 * disk with the network off (--no-proxy-server, a dead proxy for anything
 * else: the page must need nothing outside itself), and its DOM after load
 * shows the summary table with every scenario and profile and every picture
 * decoded by the browser (the page's own script marks each img whose
 * naturalWidth > 0). A page whose picture is broken is caught the same way.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeReport } from '../../src/drill/report/files.js';
import { htmlReport } from '../../src/drill/report/html.js';
import { syntheticReport } from '../golden/drill/synthetic.js';
import { hasCommand, isRoot } from '../helpers/env.js';

const dir = mkdtempSync(join(tmpdir(), `hapb-t-report-html-${process.pid}-`));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** the DOM after load, from headless chromium (as root it needs --no-sandbox) */
function dumpDom(file: string): string {
  const r = spawnSync(
    'chromium',
    [
      '--headless', '--disable-gpu', ...(isRoot ? ['--no-sandbox'] : []), '--no-first-run', '--disable-extensions',
      `--user-data-dir=${join(dir, 'profile')}`, '--proxy-server=http://127.0.0.1:9', '--proxy-bypass-list=<-loopback>',
      '--virtual-time-budget=5000', '--dump-dom', `file://${file}`,
    ],
    { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 << 20 },
  );
  if (r.status !== 0) throw new Error(`chromium exited ${String(r.status)}: ${r.stderr.slice(-2000)}`);
  return r.stdout;
}

describe.skipIf(!hasCommand('chromium'))('report.html in headless chromium', () => {
  it('renders the summary and every picture, from disk, with no network', { timeout: 180_000 }, async () => {
    const report = syntheticReport();
    const files = await writeReport(join(dir, 'r'), report);
    const html = join(dir, 'r', 'report.html');
    expect(files).toContain(html);
    const page = readFileSync(html, 'utf8');
    // nothing to fetch: no http(s) URL in any src or href
    expect(page).not.toMatch(/(src|href)="(https?:)?\/\//);
    const dom = dumpDom(html);
    const summary = /<table id="summary">([\s\S]*?)<\/table>/.exec(dom)?.[1] ?? '';
    for (const r of report.results) expect(summary).toContain(`<td>${r.scenario}</td><td>${r.profile}</td><td>${r.summary.total}</td>`);
    const imgs = [...dom.matchAll(/<img [^>]*class="picture"[^>]*>/g)].map((m) => m[0]);
    // one per result, plus the comparison
    expect(imgs).toHaveLength(report.results.length + 1);
    for (const img of imgs) expect(img).toContain('data-rendered="yes"');
    expect(dom).toContain(`data-pictures="${imgs.length}/${imgs.length}"`);
  });

  it('a broken picture is seen as not rendered', { timeout: 180_000 }, () => {
    const page = htmlReport(syntheticReport()).replace(/src="data:image\/svg\+xml;base64,[^"]*"/, 'src="data:image/svg+xml;base64,PHN2Zz4="');
    const file = join(dir, 'broken.html');
    writeFileSync(file, page);
    const dom = dumpDom(file);
    expect(dom).toContain('data-rendered="no"');
    expect(dom).not.toMatch(/data-pictures="(\d+)\/\1"/);
  });
});

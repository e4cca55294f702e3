/**
 * The timeline picture rendered by a real SVG renderer (rsvg-convert, Debian
 * package librsvg2-bin): the legend's backend colours and the failure mark, read
 * back from the PNG's pixels, are far apart (CIE76 ΔE ≥ 40, failures ≥ 35) for
 * normal vision and as seen with deuteranopia, protanopia and tritanopia.
 * The old pair of backend colours (blue and bluish green, "two similar teals")
 * is measured the same way and falls short.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { timelineSvg } from '../../src/drill/report/timeline-svg.js';
import { hexRgb, minDeltaE, type Rgb } from '../helpers/color.js';
import { hasCommand } from '../helpers/env.js';
import { pixel, readPng, type Png } from '../helpers/png.js';
import { syntheticResult } from '../golden/drill/synthetic.js';

const zoom = 2;

function render(svg: string): Png {
  const r = spawnSync('rsvg-convert', ['-z', String(zoom), '-f', 'png'], { input: svg, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`rsvg-convert failed: ${r.stderr.toString()}`);
  return readPng(r.stdout);
}

interface Swatch {
  label: string;
  declared: string;
  x: number;
  y: number;
}

/** the legend's backend swatches (circles of r=4 followed by their label) and its failure mark */
function legend(svg: string): { backends: Swatch[]; failure: Swatch } {
  const backends = [...svg.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)" r="4" fill="(#[0-9A-Fa-f]{6})"\/>\n<text [^>]*>([^<]+)<\/text>/g)].map((m) => ({
    x: Number(m[1]),
    y: Number(m[2]),
    declared: m[3] ?? '',
    label: m[4] ?? '',
  }));
  const f = /<path d="M([\d.]+) ([\d.]+)m-3 -3l6 6m0 -6l-6 6" stroke="(#[0-9A-Fa-f]{6})"/.exec(svg);
  if (!f) throw new Error('no failure mark in the legend');
  return { backends, failure: { x: Number(f[1]), y: Number(f[2]), declared: f[3] ?? '', label: 'failed' } };
}

const at = (png: Png, s: Swatch): Rgb => pixel(png, s.x * zoom, s.y * zoom);

describe.skipIf(!hasCommand('rsvg-convert'))('the timeline rendered by rsvg-convert', () => {
  const svg = timelineSvg(syntheticResult('tutorial'));
  const png = render(svg);
  const { backends, failure } = legend(svg);

  it('draws what the SVG declares: each legend swatch has its colour in the pixels', () => {
    expect(png.width).toBe(960 * zoom);
    expect(backends.map((b) => b.label.split(' ')[0])).toEqual(['web1', 'web2']);
    for (const s of [...backends, failure]) {
      const got = at(png, s);
      const want = hexRgb(s.declared);
      for (let k = 0; k < 3; k++) expect(Math.abs((got[k] ?? 0) - (want[k] ?? 0))).toBeLessThanOrEqual(6);
    }
  });

  it('the backends differ clearly, also for colour-blind readers', () => {
    const [a, b] = backends;
    if (!a || !b) throw new Error('two backends expected');
    expect(minDeltaE(at(png, a), at(png, b))).toBeGreaterThanOrEqual(40);
  });

  it('a failure looks like no backend', () => {
    for (const b of backends) expect(minDeltaE(at(png, failure), at(png, b))).toBeGreaterThanOrEqual(35);
  });

  it('control: the old pair, blue and bluish green, measured the same way, falls short', () => {
    const old = render(
      '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><circle cx="10" cy="10" r="4" fill="#0072B2"/><circle cx="30" cy="10" r="4" fill="#009E73"/></svg>',
    );
    expect(minDeltaE(pixel(old, 10 * zoom, 10 * zoom), pixel(old, 30 * zoom, 10 * zoom))).toBeLessThan(40);
  });
});

/**
 * Colour distance for tests of the pictures: CIE76 ΔE in CIELAB (D65), also as
 * seen with deuteranopia, protanopia and tritanopia (Machado, Oliveira and
 * Fernandes 2009, severity 1.0, applied in linear RGB).
 */
export type Rgb = [number, number, number];
export type Vision = 'normal' | 'deuteranopia' | 'protanopia' | 'tritanopia';
export const visions: readonly Vision[] = ['normal', 'deuteranopia', 'protanopia', 'tritanopia'];

const machado: Record<Exclude<Vision, 'normal'>, number[][]> = {
  deuteranopia: [
    [0.367322, 0.860646, -0.227968],
    [0.280085, 0.672501, 0.047413],
    [-0.01182, 0.04294, 0.968881],
  ],
  protanopia: [
    [0.152286, 1.052583, -0.204868],
    [0.114503, 0.786281, 0.099216],
    [-0.003882, -0.048116, 1.051998],
  ],
  tritanopia: [
    [1.255528, -0.076749, -0.178779],
    [-0.078411, 0.930809, 0.147602],
    [0.004733, 0.691367, 0.3039],
  ],
};

const toLinear = (c: number): number => {
  const v = c / 255;
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
};
const toSrgb = (v: number): number => {
  const c = Math.min(1, Math.max(0, v));
  return 255 * (c <= 0.0031308 ? 12.92 * c : 1.055 * c ** (1 / 2.4) - 0.055);
};

export function hexRgb(hex: string): Rgb {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) throw new Error(`not a colour: ${hex}`);
  return [parseInt(m[1] ?? '0', 16), parseInt(m[2] ?? '0', 16), parseInt(m[3] ?? '0', 16)];
}

export function simulate(c: Rgb, v: Vision): Rgb {
  if (v === 'normal') return c;
  const m = machado[v];
  const l = c.map(toLinear);
  return m.map((row) => toSrgb(row.reduce((s, k, j) => s + k * (l[j] ?? 0), 0))) as Rgb;
}

function lab(c: Rgb): Rgb {
  const [r, g, b] = c.map(toLinear) as Rgb;
  const x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
  const y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  const z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
  const f = (t: number): number => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
  return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))];
}

export function deltaE(a: Rgb, b: Rgb): number {
  const p = lab(a);
  const q = lab(b);
  return Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
}

/** the smallest ΔE of the two colours over normal vision and the three dichromacies */
export function minDeltaE(a: Rgb, b: Rgb): number {
  return Math.min(...visions.map((v) => deltaE(simulate(a, v), simulate(b, v))));
}

/**
 * SHA-crypt (`$5$` SHA-256, `$6$` SHA-512), as specified by Ulrich Drepper
 * ("Unix crypt using SHA-256 and SHA-512", the algorithm glibc's crypt(3)
 * implements), on node:crypto's hashes. The password_hash filter uses it.
 */
import { createHash } from 'node:crypto';

const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const SALT_CHARS = ITOA64;
const ROUNDS_DEFAULT = 5000;
const ROUNDS_MIN = 1000;
const ROUNDS_MAX = 999_999_999;
const SALT_MAX = 16;

type Algo = 'sha256' | 'sha512';

/** the byte triples of the final encoding, per algorithm (the spec's permutation) */
const ORDER: Record<Algo, { triples: [number, number, number][]; tail: [number, number, number, number] }> = {
  sha512: {
    triples: [
      [0, 21, 42], [22, 43, 1], [44, 2, 23], [3, 24, 45], [25, 46, 4], [47, 5, 26], [6, 27, 48],
      [28, 49, 7], [50, 8, 29], [9, 30, 51], [31, 52, 10], [53, 11, 32], [12, 33, 54], [34, 55, 13],
      [56, 14, 35], [15, 36, 57], [37, 58, 16], [59, 17, 38], [18, 39, 60], [40, 61, 19], [62, 20, 41],
    ],
    // b64_from_24bit(0, 0, final[63], 2)
    tail: [-1, -1, 63, 2],
  },
  sha256: {
    triples: [
      [0, 10, 20], [21, 1, 11], [12, 22, 2], [3, 13, 23], [24, 4, 14],
      [15, 25, 5], [6, 16, 26], [27, 7, 17], [18, 28, 8], [9, 19, 29],
    ],
    // b64_from_24bit(0, final[31], final[30], 3)
    tail: [-1, 31, 30, 3],
  },
};

function b64(b2: number, b1: number, b0: number, n: number): string {
  let w = (b2 << 16) | (b1 << 8) | b0;
  let out = '';
  for (let i = 0; i < n; i++) {
    out += ITOA64[w & 0x3f];
    w >>>= 6;
  }
  return out;
}

function repeatTo(block: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i += block.length) block.copy(out, i, 0, Math.min(block.length, length - i));
  return out;
}

/**
 * crypt(password, "$6$[rounds=N$]salt"): `rounds` undefined means the
 * default 5000, not written in the result (as crypt(3)); a given number is
 * clamped to 1000..999999999 and written.
 */
export function shaCrypt(algo: Algo, password: string, salt: string, rounds?: number): string {
  const pw = Buffer.from(password, 'utf8');
  const s = Buffer.from(salt.slice(0, SALT_MAX), 'utf8');
  const n = rounds === undefined ? ROUNDS_DEFAULT : Math.min(ROUNDS_MAX, Math.max(ROUNDS_MIN, Math.trunc(rounds)));
  const H = (...parts: Buffer[]): Buffer => {
    const h = createHash(algo);
    for (const p of parts) h.update(p);
    return h.digest();
  };
  const size = algo === 'sha512' ? 64 : 32;

  const b = H(pw, s, pw);
  const a = createHash(algo).update(pw).update(s);
  a.update(repeatTo(b, pw.length));
  for (let len = pw.length; len > 0; len >>= 1) a.update(len & 1 ? b : pw);
  let c = a.digest();

  const dp = createHash(algo);
  for (let i = 0; i < pw.length; i++) dp.update(pw);
  const p = repeatTo(dp.digest(), pw.length);
  const ds = createHash(algo);
  for (let i = 0; i < 16 + (c[0] ?? 0); i++) ds.update(s);
  const sBytes = repeatTo(ds.digest(), s.length);

  // each round hashes one buffer assembled in place (one update per hash: the per-call cost dominates)
  const buf = Buffer.alloc(2 * size + 2 * p.length + sBytes.length);
  for (let i = 0; i < n; i++) {
    let len = 0;
    len += (i & 1 ? p : c).copy(buf, len);
    if (i % 3) len += sBytes.copy(buf, len);
    if (i % 7) len += p.copy(buf, len);
    len += (i & 1 ? c : p).copy(buf, len);
    c = createHash(algo).update(buf.subarray(0, len)).digest();
  }
  if (c.length !== size) throw new Error('unexpected digest size');

  const { triples, tail } = ORDER[algo];
  let enc = '';
  for (const [x, y, z] of triples) enc += b64(c[x] ?? 0, c[y] ?? 0, c[z] ?? 0, 4);
  const at = (i: number): number => (i < 0 ? 0 : (c[i] ?? 0));
  enc += b64(at(tail[0]), at(tail[1]), at(tail[2]), tail[3]);
  const id = algo === 'sha512' ? '6' : '5';
  return `$${id}$${rounds === undefined ? '' : `rounds=${n}$`}${s.toString('utf8')}$${enc}`;
}

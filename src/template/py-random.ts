/**
 * Python's `random.Random(seed)` for a string seed: the Mersenne Twister
 * (MT19937) seeded as CPython seeds it (the string's bytes followed by their
 * SHA-512, read as one big-endian integer, fed to init_by_array in 32-bit
 * words, least significant first), and `choice()` as CPython draws it. The
 * password lookup's `seed=` gives the same password as Ansible with it.
 */
import { createHash } from 'node:crypto';

const N = 624;
const M = 397;

export class PyRandom {
  private readonly mt = new Uint32Array(N);
  private index = N + 1;

  constructor(seed: string) {
    const bytes = Buffer.from(seed, 'utf8');
    const whole = Buffer.concat([bytes, createHash('sha512').update(bytes).digest()]);
    // the big-endian integer's 32-bit words, least significant first
    const words: number[] = [];
    for (let end = whole.length; end > 0; end -= 4) {
      const start = Math.max(0, end - 4);
      let w = 0;
      for (let i = start; i < end; i++) w = (w * 256 + (whole[i] ?? 0)) >>> 0;
      words.push(w);
    }
    while (words.length > 1 && words[words.length - 1] === 0) words.pop();
    this.initByArray(words.length ? words : [0]);
  }

  private initGenrand(s: number): void {
    this.mt[0] = s >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = (this.mt[i - 1] ?? 0) ^ ((this.mt[i - 1] ?? 0) >>> 30);
      this.mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
    this.index = N;
  }

  private initByArray(key: number[]): void {
    this.initGenrand(19650218);
    let i = 1;
    let j = 0;
    const mt = this.mt;
    for (let k = Math.max(N, key.length); k > 0; k--) {
      const prev = (mt[i - 1] ?? 0) ^ ((mt[i - 1] ?? 0) >>> 30);
      mt[i] = (((mt[i] ?? 0) ^ Math.imul(prev, 1664525)) + (key[j] ?? 0) + j) >>> 0;
      i++;
      j++;
      if (i >= N) {
        mt[0] = mt[N - 1] ?? 0;
        i = 1;
      }
      if (j >= key.length) j = 0;
    }
    for (let k = N - 1; k > 0; k--) {
      const prev = (mt[i - 1] ?? 0) ^ ((mt[i - 1] ?? 0) >>> 30);
      mt[i] = (((mt[i] ?? 0) ^ Math.imul(prev, 1566083941)) - i) >>> 0;
      i++;
      if (i >= N) {
        mt[0] = mt[N - 1] ?? 0;
        i = 1;
      }
    }
    mt[0] = 0x80000000;
  }

  private twist(): void {
    const mt = this.mt;
    for (let k = 0; k < N; k++) {
      const y = ((mt[k] ?? 0) & 0x80000000) | ((mt[(k + 1) % N] ?? 0) & 0x7fffffff);
      mt[k] = ((mt[(k + M) % N] ?? 0) ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0)) >>> 0;
    }
    this.index = 0;
  }

  /** genrand_uint32 */
  uint32(): number {
    if (this.index >= N) this.twist();
    let y = this.mt[this.index++] ?? 0;
    y ^= y >>> 11;
    y = (y ^ ((y << 7) & 0x9d2c5680)) >>> 0;
    y = (y ^ ((y << 15) & 0xefc60000)) >>> 0;
    return (y ^ (y >>> 18)) >>> 0;
  }

  /** random.getrandbits(k) for 1 <= k <= 32 */
  getrandbits(k: number): number {
    return this.uint32() >>> (32 - k);
  }

  /** random._randbelow(n): rejection sampling on getrandbits(n.bit_length()) */
  randbelow(n: number): number {
    const k = Math.floor(Math.log2(n)) + 1;
    let r = this.getrandbits(k);
    while (r >= n) r = this.getrandbits(k);
    return r;
  }

  choice<T>(seq: readonly T[] | string): T | string {
    if (seq.length === 0) throw new Error('cannot choose from an empty sequence');
    return seq[this.randbelow(seq.length)] as T | string;
  }
}

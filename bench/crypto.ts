/**
 * The costs of hapb's own crypto, next to Python's (what Ansible uses):
 * password_hash (SHA-512 crypt at passlib's 656000 rounds and at crypt's
 * 5000) and a vault decryption (PBKDF2-SHA256, 10000 iterations, dominates).
 * Writes bench/results/<date>-crypto.md (bench/results.ts).
 *   npx vite-node bench/crypto.ts
 */
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { shaCrypt } from '../src/template/sha-crypt.js';
import { Keyring } from '../src/vault/index.js';
import { results } from './results.js';

const r = results(import.meta.url, 'crypto', 'hapb crypto: password_hash and vault decryption');

function time(fn: () => unknown, n: number): number {
  const t = performance.now();
  for (let i = 0; i < n; i++) fn();
  return (performance.now() - t) / n;
}

function python(code: string): number {
  const p = spawnSync('/usr/bin/python3', ['-W', 'ignore', '-c', code], { encoding: 'utf8' });
  return p.status === 0 ? Number(p.stdout.trim()) : NaN;
}

r.out('| what | hapb (ms) | Python (ms) |');
r.out('| --- | ---: | ---: |');
const sha656 = time(() => shaCrypt('sha512', 'secret', 'mysalt', 656000), 3);
const py656 = python("import time\nfrom passlib.hash import sha512_crypt\nt=time.perf_counter()\nfor _ in range(3): sha512_crypt.using(salt='mysalt', rounds=656000).hash('secret')\nprint((time.perf_counter()-t)/3*1000)");
r.out(`| SHA-512 crypt, 656000 rounds (password_hash default) | ${sha656.toFixed(0)} | ${py656.toFixed(0)} (passlib) |`);
const sha5k = time(() => shaCrypt('sha512', 'secret', 'mysalt'), 20);
const py5k = python("import time, crypt\nt=time.perf_counter()\nfor _ in range(20): crypt.crypt('secret', '$6$mysalt')\nprint((time.perf_counter()-t)/20*1000)");
r.out(`| SHA-512 crypt, 5000 rounds | ${sha5k.toFixed(1)} | ${py5k.toFixed(1)} (crypt) |`);
const ring = new Keyring([{ id: 'default', password: Buffer.from('pw'), source: 'bench' }]);
const text = ring.encrypt('db_password: secret\n'.repeat(50));
const dec = time(() => ring.decrypt(text), 20);
r.out(`| vault decrypt of a 1 KB file (PBKDF2 10000) | ${dec.toFixed(1)} | |`);
r.out();
r.out(`saved ${r.save()}`);

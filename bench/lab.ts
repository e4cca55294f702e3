/**
 * Lab timings: `lab up` with a cached image until every machine runs, `lab down`,
 * and memory per machine (PSS of all processes in the machine), for the 5-host
 * seed topology and for 2 directors + 20 backends. Root only.
 *
 *   npx vite-node bench/lab.ts
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureImage, labDown, labStatus, labUp, poweroff, poweron } from '../src/lab/index.js';

const seed = new URL('../inventory/seed.yml', import.meta.url).pathname;

function bigInventory(backends: number): string {
  const web = Array.from({ length: backends }, (_, i) => `        web${i + 1}: { ansible_host: 192.168.0.${100 + i} }`);
  return [
    'all:',
    '  vars: { vip: 192.168.0.150, vrrp_interface: ens33 }',
    '  children:',
    '    directors:',
    '      hosts:',
    '        master: { ansible_host: 192.168.0.40 }',
    '        backup: { ansible_host: 192.168.0.41 }',
    '    web:',
    '      hosts:',
    ...web,
    '',
  ].join('\n');
}

async function bench(label: string, inventory: string): Promise<void> {
  const name = `b-lab-${process.pid}`;
  await labDown(name);
  const t0 = performance.now();
  const st = await labUp({ name, inventory, converge: false });
  const up = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 2000));
  const status = await labStatus(name);
  const mem = status.machines.map((m) => m.memoryBytes / 2 ** 20);
  const victim = st.machines[0]?.host ?? '';
  const t2 = performance.now();
  await poweroff(name, victim);
  const off = performance.now() - t2;
  await poweron(name, victim);
  const on = performance.now() - t2 - off;
  const t1 = performance.now();
  await labDown(name);
  const down = performance.now() - t1;
  const avg = mem.reduce((a, b) => a + b, 0) / mem.length;
  console.log(
    `${label.padEnd(26)} machines ${String(st.machines.length).padStart(2)}  up ${(up / 1000).toFixed(2)} s  down ${(down / 1000).toFixed(2)} s  ` +
      `poweroff ${off.toFixed(0)} ms  poweron ${(on / 1000).toFixed(2)} s  memory/machine avg ${avg.toFixed(1)} MiB (min ${Math.min(...mem).toFixed(1)}, max ${Math.max(...mem).toFixed(1)})`,
  );
}

const t = performance.now();
const img = await ensureImage({ onProgress: (l) => console.error(`image: ${l}`) });
console.log(`image ${img.hash}: ${img.built ? `built in ${((performance.now() - t) / 1000).toFixed(1)} s` : 'cached'}`);
await bench('seed (2+2+client)', seed);
const dir = mkdtempSync(join(tmpdir(), 'hapb-b-lab-'));
try {
  const inv = join(dir, 'big.yml');
  writeFileSync(inv, bigInventory(20));
  await bench('2 directors + 20 backends', inv);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

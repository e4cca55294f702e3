/**
 * Inventory size: generates an inventory of N hosts with 10 variables each
 * (some templated, some from group vars), in 10 groups, and a playbook whose
 * tasks template those variables for every host; prints the time to load the
 * inventory and the time of `hapb run --syntax-check` (which loads everything
 * and renders every template for every host), for several sizes. Writes the
 * figures to bench/results/<date>-inventory.md (bench/results.ts).
 *   npm run build && npx vite-node bench/inventory.ts [N ...]   (default 500 1000 2000 10000)
 *   npx vite-node bench/inventory.ts --generate DIR N   (only write DIR/hosts.yml and DIR/site.yml, e.g. to profile)
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadInventory } from '../src/inventory/index.js';
import { results } from './results.js';

const repo = resolve(import.meta.dirname, '..');
const generateOnly = process.argv[2] === '--generate';
const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
if (sizes.length === 0) sizes.push(500, 1000, 2000, 10_000);
const GROUPS = 10;

/** An inventory of `n` hosts with 10 vars each, and a playbook using them. */
export function generate(dir: string, n: number): { inventory: string; playbook: string } {
  const lines = ['all:', '  vars:', '    ansible_connection: local', '    domain: example.test', '  children:'];
  const per = Math.ceil(n / GROUPS);
  for (let g = 0; g < GROUPS; g++) {
    lines.push(`    g${g}:`, '      vars:', `        tier: tier${g}`, `        motd: "{{ inventory_hostname }} in {{ tier }}"`, '      hosts:');
    for (let i = g * per; i < Math.min(n, (g + 1) * per); i++) {
      const o = [10, (i >> 16) & 255, (i >> 8) & 255, i & 255].join('.');
      lines.push(
        `        h${i}:`,
        `          ansible_host: ${o}`,
        `          port: ${8000 + (i % 1000)}`,
        `          weight: ${i % 7}`,
        `          rack: r${i % 40}`,
        `          fqdn: "h${i}.{{ domain }}"`,
        `          url: "http://{{ ansible_host }}:{{ port }}/"`,
        `          role_name: web`,
        `          enabled: ${i % 2 === 0}`,
        `          tags_list: [a, b]`,
        `          note: "{{ fqdn }} weight {{ weight }}"`,
      );
    }
  }
  const inventory = join(dir, 'hosts.yml');
  writeFileSync(inventory, lines.join('\n') + '\n');
  const playbook = join(dir, 'site.yml');
  writeFileSync(
    playbook,
    [
      '- hosts: all',
      '  gather_facts: false',
      '  tasks:',
      '    - name: config',
      '      copy:',
      `        content: "{{ url }} {{ note }} {{ motd }} {{ groups['all'] | length }}\\n"`,
      `        dest: "${dir}/out/{{ inventory_hostname }}.conf"`,
      '      when: enabled | bool',
      '',
    ].join('\n'),
  );
  return { inventory, playbook };
}

if (generateOnly) {
  const dir = resolve(process.argv[3] ?? '.');
  mkdirSync(dir, { recursive: true });
  generate(dir, Number(process.argv[4] ?? 1000));
  process.exit(0);
}

function time<T>(fn: () => T): [T, number] {
  const t = performance.now();
  const v = fn();
  return [v, (performance.now() - t) / 1000];
}

const res = results(import.meta.url, 'inventory', 'Inventory size: load and --syntax-check time (bench/inventory.ts)');
const say = res.out;
say(`node ${process.version}, ${cpus()[0]?.model ?? '?'}; 10 groups, 10 vars per host (3 templated), one templated task per host`);
say('');
say('| hosts | vars/host | load (s) | load CPU (s) | --syntax-check (s) | --syntax-check CPU (s) | exit |');
say('|---|---|---|---|---|---|---|');
for (const n of sizes) {
  const dir = mkdtempSync(join(tmpdir(), `hapb-bench-inventory-${n}-`));
  try {
    const { inventory, playbook } = generate(dir, n);
    const cpu0 = process.cpuUsage();
    const [inv, load] = time(() => loadInventory(inventory));
    const cpu = process.cpuUsage(cpu0);
    const loadCpu = (cpu.user + cpu.system) / 1e6;
    if (inv.hosts.size !== n) throw new Error(`generated ${inv.hosts.size} hosts, wanted ${n}`);
    // bash's `times` gives the child's CPU time: the box is often shared, and wall time then says little
    const cmd = `${process.execPath} ${join(repo, 'bin', 'hapb')} run ${playbook} -i ${inventory} --syntax-check >/dev/null; rc=$?; times >&2; exit $rc`;
    const [r, check] = time(() => spawnSync('bash', ['-c', cmd], { encoding: 'utf8', timeout: 600_000 }));
    if (r.status !== 0) console.error(r.stderr.slice(0, 2000));
    const childTimes = r.stderr.trim().split('\n').pop() ?? '';
    const checkCpu = childTimes
      .split(/\s+/)
      .map((t) => /^(\d+)m([\d.]+)s$/.exec(t))
      .reduce((sum, m) => sum + (m ? Number(m[1]) * 60 + Number(m[2]) : 0), 0);
    say(`| ${n} | 10 | ${load.toFixed(2)} | ${loadCpu.toFixed(2)} | ${check.toFixed(2)} | ${checkCpu.toFixed(2)} | ${r.status} |`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
res.save();

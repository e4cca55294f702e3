/**
 * The hand-back forwarding of profile hapb (keepalived_handback_window): while
 * the VIP moves between two live directors, a client's connection can start on
 * one (the old holder) and its next segments reach the other once the client
 * follows the gratuitous ARP. With the rendered director firewall (the real
 * director.nft of profile hapb, loaded by nft; table ip hapb_handback) and the
 * VIP in the new director's set for the old one, such segments (no SYN, no
 * connection of the new director) are sent on to the old director, which
 * still has the connection (VIP on lo) and answers it whole; without the
 * element the new director resets them. A segment arriving with TTL 1 (already
 * forwarded once) is never forwarded again, so two directors cannot bounce a
 * segment neither knows. Real kernel: a sealed switch namespace with a bridge,
 * a client and two directors; the VIP move is the client's neighbour entry
 * switched from one director's MAC to the other's (what a gratuitous ARP does).
 * The old director answers in two parts 300 ms apart and closes 1.5 s later;
 * the switch happens 100 ms after connect; with `more` the client sends a
 * second data segment (a request on a kept-alive connection, or a request
 * written after the switch) right after the switch.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { moduleCatalog } from '../../src/cli/load-inputs.js';
import { renderPlaybook } from '../../src/engine/render.js';
import type { Vars } from '../../src/engine/types.js';
import { loadInventory } from '../../src/inventory/index.js';
import { loadPlaybook } from '../../src/playbook/load.js';
import { loadYamlFile } from '../../src/yaml/load.js';
import { canUseNamespaces } from '../helpers/env.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tag = `hapb-t-hbw-${process.pid}`;
const ns = { sw: `${tag}-sw`, c: `${tag}-c`, d1: `${tag}-d1`, d2: `${tag}-d2` };
const addr = { c: '10.196.0.1', d1: '10.196.0.2', d2: '10.196.0.3' };
const vip = '10.196.0.150';
const dev = (host: 'c' | 'd1' | 'd2'): string => `hb${host}${process.pid}`.slice(0, 15);
const swDev = (host: 'c' | 'd1' | 'd2'): string => `hs${host}${process.pid}`.slice(0, 15);

function sh(...argv: string[]): string {
  const [cmd, ...rest] = argv;
  if (!cmd) throw new Error('empty argv');
  return execFileSync(cmd, rest, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** the director firewall of profile hapb, as the role renders it for the master, with this test's addresses and interface */
async function directorNft(): Promise<string> {
  const playbook = loadPlaybook(join(root, 'playbooks', 'site.yml'), { modules: moduleCatalog });
  const inventory = loadInventory(join(root, 'inventory', 'seed.yml'));
  const extraVars = loadYamlFile<Vars>(join(root, 'profiles', 'hapb.yml')).value;
  const f = (await renderPlaybook({ playbook, inventory, extraVars })).find((x) => x.host === 'master' && x.dest.endsWith('/director.nft'));
  if (!f) throw new Error('no director.nft rendered');
  if (!f.content.includes('dup to 192.168.0.41 device "ens33"')) throw new Error('director.nft of master does not forward to backup');
  // the master's peer (backup, 192.168.0.41) is d1 here; the set keeps its name
  return f.content.replaceAll('192.168.0.41', addr.d1).replaceAll('"ens33"', `"${dev('d2')}"`);
}

const oldDirectorJs = `
const net = require('node:net');
net.createServer((s) => {
  s.on('error', () => {});
  s.once('data', () => {
    s.write('part1\\n');
    setTimeout(() => s.write('part2\\n'), 300);
    setTimeout(() => s.end(), 1500);
  });
}).listen(80, '0.0.0.0', () => process.stdout.write('listening\\n'));
`;
const newDirectorJs = `
const net = require('node:net');
net.createServer((s) => { s.on('error', () => {}); s.end('new\\n'); })
  .listen(80, '0.0.0.0', () => process.stdout.write('listening\\n'));
`;
/** `more`: the client sends a second data segment when told on stdin, i.e. after the switch (a request on a kept-alive connection, or one written after the switch) */
const clientJs = (more: boolean): string => `
const net = require('node:net');
const s = net.connect(80, '${vip}');
let got = '';
s.on('connect', () => { process.stdout.write('connected\\n'); s.write('GET\\n'); });
${more ? "process.stdin.once('data', () => s.write('more\\n'));" : ''}
s.on('data', (d) => (got += d));
s.on('end', () => { process.stdout.write('got:' + JSON.stringify(got) + '\\n'); process.exit(0); });
s.on('error', (e) => { process.stdout.write('error:' + e.code + ' got:' + JSON.stringify(got) + '\\n'); process.exit(0); });
setTimeout(() => { process.stdout.write('timeout got:' + JSON.stringify(got) + '\\n'); process.exit(0); }, 4000);
`;

const servers: ChildProcess[] = [];

async function startServer(netns: string, js: string): Promise<void> {
  const child = spawn('ip', ['netns', 'exec', netns, process.execPath, '-e', js], { stdio: ['ignore', 'pipe', 'inherit'] });
  servers.push(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  for (let i = 0; i < 300 && !out.includes('listening'); i++) await sleep(10);
  if (!out.includes('listening')) throw new Error(`server in ${netns} did not start`);
}

function macOf(host: 'd1' | 'd2'): string {
  const j = JSON.parse(sh('ip', '-n', ns[host], '-j', 'link', 'show', dev(host))) as { address: string }[];
  const mac = j[0]?.address;
  if (!mac) throw new Error(`no MAC for ${host}`);
  return mac;
}
const pointVipAt = (host: 'd1' | 'd2'): void => {
  sh('ip', '-n', ns.c, 'neigh', 'replace', vip, 'lladdr', macOf(host), 'dev', dev('c'), 'nud', 'permanent');
};

/** connect while the VIP points at d1, move it to d2 100 ms later; what did the client get? */
async function moveDuringAnswer(more: boolean): Promise<string> {
  pointVipAt('d1');
  const child = spawn('ip', ['netns', 'exec', ns.c, process.execPath, '-e', clientJs(more)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  for (let i = 0; i < 200 && !out.includes('connected'); i++) await sleep(5);
  await sleep(100);
  pointVipAt('d2');
  child.stdin.write('go\n');
  await new Promise((r) => child.on('close', r));
  return out;
}

describe.skipIf(!canUseNamespaces)('hand-back forwarding (real kernel, the rendered director firewall)', () => {
  beforeAll(async () => {
    for (const n of Object.values(ns)) sh('ip', 'netns', 'add', n);
    sh('ip', '-n', ns.sw, 'link', 'add', 'br0', 'type', 'bridge');
    sh('ip', '-n', ns.sw, 'link', 'set', 'br0', 'up');
    for (const host of ['c', 'd1', 'd2'] as const) {
      sh('ip', 'link', 'add', dev(host), 'netns', ns[host], 'type', 'veth', 'peer', 'name', swDev(host), 'netns', ns.sw);
      sh('ip', '-n', ns.sw, 'link', 'set', swDev(host), 'master', 'br0', 'up');
      sh('ip', '-n', ns[host], 'addr', 'add', `${addr[host]}/24`, 'dev', dev(host));
      sh('ip', '-n', ns[host], 'link', 'set', 'lo', 'up');
      sh('ip', '-n', ns[host], 'link', 'set', dev(host), 'up');
    }
    // both directors hold the VIP on lo (keepalived_vip_on_lo), unannounced
    for (const host of ['d1', 'd2'] as const) {
      sh('ip', 'netns', 'exec', ns[host], 'sh', '-c', `echo 1 > /proc/sys/net/ipv4/conf/${dev(host)}/arp_ignore`);
      sh('ip', '-n', ns[host], 'addr', 'add', `${vip}/32`, 'dev', 'lo');
    }
    execFileSync('ip', ['netns', 'exec', ns.d2, 'nft', '-f', '-'], { input: (await directorNft()) });
    await startServer(ns.d1, oldDirectorJs);
    await startServer(ns.d2, newDirectorJs);
  }, 60_000);

  afterAll(() => {
    for (const s of servers) if (s.exitCode === null && s.signalCode === null) s.kill('SIGKILL');
    for (const n of Object.values(ns)) {
      try {
        sh('ip', 'netns', 'del', n);
      } catch {
        // already gone
      }
    }
  });

  const forwarded = (): number => {
    const rule = sh('ip', 'netns', 'exec', ns.d2, 'nft', 'list', 'chain', 'ip', 'hapb_handback', 'input');
    return Number(/counter packets (\d+)/.exec(rule)?.[1]);
  };
  const set = 'handback_192_168_0_41';
  const arm = (): void => {
    sh('ip', 'netns', 'exec', ns.d2, 'nft', 'add', 'element', 'ip', 'hapb_handback', set, `{ ${vip} timeout 10s }`);
  };

  it('without the window the new director resets a segment of the old one\'s connection', async () => {
    sh('ip', 'netns', 'exec', ns.d2, 'nft', 'flush', 'set', 'ip', 'hapb_handback', set);
    const before = forwarded();
    const out = await moveDuringAnswer(true);
    expect(out).toContain('connected');
    // reset before the old director's close: the answer never completed
    expect(out).toMatch(/^error:ECONNRESET /m);
    expect(forwarded()).toBe(before);
  });

  it('with the VIP in the set (as hapb-took-vip.sh puts it) the client\'s ACKs and FIN go on to the old director and the answer arrives whole', async () => {
    arm();
    const before = forwarded();
    const out = await moveDuringAnswer(false);
    expect(out).toContain('got:"part1\\npart2\\n"');
    await sleep(200);
    expect(forwarded()).toBeGreaterThan(before);
  });

  it('in the window a segment with data (a request written after the switch) reaches the old director too: nothing is reset', async () => {
    arm();
    const before = forwarded();
    const out = await moveDuringAnswer(true);
    expect(out).toContain('got:"part1\\npart2\\n"');
    expect(out).not.toMatch(/error:/);
    expect(forwarded()).toBeGreaterThan(before);
  });

  it('a segment that was forwarded once (TTL 1 on arrival) is not forwarded again: the new director resets it', async () => {
    arm();
    // the client's segments to the VIP leave with TTL 1, as a forwarded one arrives
    execFileSync('ip', ['netns', 'exec', ns.c, 'nft', '-f', '-'], {
      input: `table ip t_ttl {\n chain out {\n  type filter hook output priority 0;\n  ip daddr ${vip} ip ttl set 1\n }\n}\n`,
    });
    try {
      const before = forwarded();
      const out = await moveDuringAnswer(true);
      expect(out).toMatch(/^error:ECONNRESET /m);
      expect(forwarded()).toBe(before);
    } finally {
      sh('ip', 'netns', 'exec', ns.c, 'nft', 'delete', 'table', 'ip', 't_ttl');
    }
  });

  it('new connections to the new director are not touched by the window', async () => {
    arm();
    // the connections of the tests before are closed by now (the old director closes 1.5 s after the answer)
    await sleep(1700);
    const before = forwarded();
    pointVipAt('d2');
    const out = sh('ip', 'netns', 'exec', ns.c, process.execPath, '-e', clientJs(false));
    expect(out).toContain('got:"new\\n"');
    expect(forwarded()).toBe(before);
  });
});

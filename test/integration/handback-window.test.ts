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
import { rmSync } from 'node:fs';
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

/** a file of profile hapb as the role renders it for HOST */
async function rendered(host: string, destSuffix: string): Promise<string> {
  const playbook = loadPlaybook(join(root, 'playbooks', 'site.yml'), { modules: moduleCatalog });
  const inventory = loadInventory(join(root, 'inventory', 'seed.yml'));
  const extraVars = loadYamlFile<Vars>(join(root, 'profiles', 'hapb.yml')).value;
  const f = (await renderPlaybook({ playbook, inventory, extraVars })).find((x) => x.host === host && x.dest.endsWith(destSuffix));
  if (!f) throw new Error(`no ${destSuffix} rendered for ${host}`);
  return f.content;
}

/** the director firewall of profile hapb, as the role renders it for the master, with this test's addresses and interface */
async function directorNft(): Promise<string> {
  const content = await rendered('master', '/director.nft');
  if (!content.includes('dup to 192.168.0.41 device "ens33"')) throw new Error('director.nft of master does not forward to backup');
  // the master's peer (backup, 192.168.0.41) is d1 here; the sets keep their names
  return content.replaceAll('192.168.0.41', addr.d1).replaceAll('"ens33"', `"${dev('d2')}"`).replaceAll('192.168.0.150', vip);
}

/**
 * the backup's hung-nginx watcher (hapb-nginx-watch) and its arguments as the
 * role renders them, to run on d1: heartbeats from d1 to d2 for the VIP, its
 * own nginx being a health server on 127.0.0.1:8080 of d1
 */
async function backupWatcher(hungFile: string): Promise<{ script: string; args: string[] }> {
  const script = await rendered('backup', '/hapb-nginx-watch');
  const unit = await rendered('backup', '/hapb-nginx-watch.service');
  const exec = /^ExecStart=\/usr\/bin\/perl \S+ (.*)$/m.exec(unit)?.[1];
  if (!exec?.includes('192.168.0.41,192.168.0.40,192.168.0.150')) throw new Error(`the backup's watcher sends no heartbeat to the master: ${exec ?? unit}`);
  const args = exec
    .replaceAll('192.168.0.41', addr.d1)
    .replaceAll('192.168.0.40', addr.d2)
    .replaceAll('192.168.0.150', vip)
    .replace('http://127.0.0.1:80/', 'http://127.0.0.1:8080/')
    .replace('/run/hapb-nginx.hung', hungFile)
    .split(' ');
  return { script, args };
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
/** d1's own nginx for its watcher: a health page on 127.0.0.1:8080 */
const healthJs = `
const http = require('node:http');
http.createServer((q, r) => r.end('ok')).listen(8080, '127.0.0.1', () => process.stdout.write('listening\\n'));
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

async function startServer(netns: string, js: string): Promise<ChildProcess> {
  const child = spawn('ip', ['netns', 'exec', netns, process.execPath, '-e', js], { stdio: ['ignore', 'pipe', 'inherit'] });
  servers.push(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  for (let i = 0; i < 300 && !out.includes('listening'); i++) await sleep(10);
  if (!out.includes('listening')) throw new Error(`server in ${netns} did not start`);
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const closed = new Promise((r) => child.once('close', r));
  child.kill('SIGKILL');
  await closed;
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

  /** segments forwarded by the transition window's rule */
  const forwarded = (): number => {
    const rule = sh('ip', 'netns', 'exec', ns.d2, 'nft', 'list', 'chain', 'ip', 'hapb_handback', 'input');
    return Number(/@handback_\S+ .*counter packets (\d+)/.exec(rule)?.[1]);
  };
  /** ...and by the heartbeat's */
  const forwardedAlive = (): number => {
    const rule = sh('ip', 'netns', 'exec', ns.d2, 'nft', 'list', 'chain', 'ip', 'hapb_handback', 'input');
    return Number(/@alive_\S+ .*counter packets (\d+)/.exec(rule)?.[1]);
  };
  const aliveSet = (): string => sh('ip', 'netns', 'exec', ns.d2, 'nft', 'list', 'set', 'ip', 'hapb_handback', 'alive_192_168_0_41');
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

  describe("the old director's heartbeats (its hung-nginx watcher, as rendered)", () => {
    let health: ChildProcess | undefined;
    let watcher: ChildProcess | undefined;
    const hungFile = `/tmp/${tag}.hung`;
    const startWatcher = async (): Promise<void> => {
      const { script, args } = await backupWatcher(hungFile);
      watcher = spawn('ip', ['netns', 'exec', ns.d1, 'perl', '-e', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
      servers.push(watcher);
    };
    afterAll(async () => {
      if (watcher) await stop(watcher);
      if (health) await stop(health);
      rmSync(hungFile, { force: true });
    });

    it('while its nginx answers, d2 forwards the VIP\'s unknown segments to it without any window: the answer arrives whole', async () => {
      sh('ip', 'netns', 'exec', ns.d2, 'nft', 'flush', 'set', 'ip', 'hapb_handback', set);
      health = await startServer(ns.d1, healthJs);
      await startWatcher();
      for (let i = 0; i < 100 && !aliveSet().includes(vip); i++) await sleep(20);
      expect(aliveSet()).toMatch(new RegExp(`elements = \\{ ${vip.replaceAll('.', '\\.')} timeout 2\\d\\dms`));
      const [before, beforeAlive] = [forwarded(), forwardedAlive()];
      const out = await moveDuringAnswer(true);
      expect(out).toContain('got:"part1\\npart2\\n"');
      expect(out).not.toMatch(/error:/);
      expect(forwardedAlive()).toBeGreaterThan(beforeAlive);
      expect(forwarded()).toBe(before);
    });

    it('a refusal is no heartbeat: once its nginx is gone the forwarding ends within the timeout and d2 resets', async () => {
      if (health) await stop(health);
      await sleep(400);
      expect(aliveSet()).not.toContain(vip);
      const beforeAlive = forwardedAlive();
      const out = await moveDuringAnswer(true);
      expect(out).toMatch(/^error:ECONNRESET /m);
      expect(forwardedAlive()).toBe(beforeAlive);
    });

    it('its nginx back, the heartbeats resume; the watcher gone (a dead director), the forwarding ends within the timeout', async () => {
      health = await startServer(ns.d1, healthJs);
      for (let i = 0; i < 100 && !aliveSet().includes(vip); i++) await sleep(20);
      expect(aliveSet()).toContain(vip);
      if (watcher) await stop(watcher);
      await sleep(300);
      expect(aliveSet()).not.toContain(vip);
    });
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

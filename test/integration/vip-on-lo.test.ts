/**
 * Why profile hapb keeps the VIP on lo (keepalived_vip_on_lo, roles/keepalived
 * hapb-vip-lo.service): when a director yields the VIP, keepalived deletes it
 * from the interface; a connection the director had already accepted must
 * still get its answer. Real kernel, two sealed namespaces (client, director)
 * on one veth; a real TCP server and client (node). The director's answer
 * comes 300 ms after the connection, and the VIP leaves the interface at
 * 100 ms, as at a hand-back.
 *  - VIP also on lo (arp_ignore=1): the answer arrives;
 *  - VIP only on the interface: the answer never arrives (no such source
 *    address any more), the client would wait out its timeout;
 *  - VIP only on lo with arp_ignore=1: the director does not answer ARP for
 *    it (no connection can start, no neighbour entry), so a backup never
 *    claims the VIP on the segment; with arp_ignore=0 it would.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { canUseNamespaces } from '../helpers/env.js';

const tag = `hapb-t-viplo-${process.pid}`;
const nsC = `${tag}-c`;
const nsD = `${tag}-d`;
const vethC = `hvc${process.pid}`.slice(0, 15);
const vethD = `hvd${process.pid}`.slice(0, 15);
const client = '10.197.0.1';
const director = '10.197.0.2';
const vip = '10.197.0.150';
const port = 8080;

function sh(...argv: string[]): string {
  const [cmd, ...rest] = argv;
  if (!cmd) throw new Error('empty argv');
  return execFileSync(cmd, rest, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}
const inD = (...argv: string[]): string => sh('ip', 'netns', 'exec', nsD, ...argv);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const serverJs = `
const net = require('node:net');
net.createServer((s) => { setTimeout(() => s.end('answer\\n'), 300); s.on('error', () => {}); })
  .listen(${port}, '0.0.0.0', () => process.stdout.write('listening\\n'));
`;
const clientJs = `
const net = require('node:net');
const s = net.connect(${port}, '${vip}');
let got = '';
s.on('connect', () => process.stdout.write('connected\\n'));
s.on('data', (d) => (got += d));
s.on('end', () => { process.stdout.write('got:' + got); process.exit(0); });
s.on('error', (e) => { process.stdout.write('error:' + e.code + '\\n'); process.exit(0); });
setTimeout(() => { process.stdout.write('timeout\\n'); process.exit(0); }, 2500);
`;

let server: ChildProcess | undefined;

function setArpIgnore(v: number): void {
  inD('sh', '-c', `echo ${v} > /proc/sys/net/ipv4/conf/${vethD}/arp_ignore && echo 2 > /proc/sys/net/ipv4/conf/${vethD}/arp_announce`);
}

/** connect from the client; 100 ms after connecting take the VIP off the interface; what did the client get? */
async function answerAfterYield(): Promise<string> {
  const child = spawn('ip', ['netns', 'exec', nsC, process.execPath, '-e', clientJs], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const connected = (async () => {
    for (let i = 0; i < 100 && !out.includes('connected') && !out.includes('error'); i++) await sleep(10);
  })();
  await connected;
  await sleep(100);
  sh('ip', '-n', nsD, 'addr', 'del', `${vip}/24`, 'dev', vethD);
  await new Promise((r) => child.on('close', r));
  return out;
}

describe.skipIf(!canUseNamespaces)('the VIP kept on lo (real kernel, sealed namespaces)', () => {
  beforeAll(async () => {
    sh('ip', 'netns', 'add', nsC);
    sh('ip', 'netns', 'add', nsD);
    sh('ip', 'link', 'add', vethC, 'netns', nsC, 'type', 'veth', 'peer', 'name', vethD, 'netns', nsD);
    sh('ip', '-n', nsC, 'addr', 'add', `${client}/24`, 'dev', vethC);
    sh('ip', '-n', nsD, 'addr', 'add', `${director}/24`, 'dev', vethD);
    for (const [ns, dev] of [[nsC, vethC], [nsD, vethD]] as const) {
      sh('ip', '-n', ns, 'link', 'set', 'lo', 'up');
      sh('ip', '-n', ns, 'link', 'set', dev, 'up');
    }
    server = spawn('ip', ['netns', 'exec', nsD, process.execPath, '-e', serverJs], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    server.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    for (let i = 0; i < 200 && !out.includes('listening'); i++) await sleep(10);
    expect(out).toContain('listening');
  });

  afterEach(() => {
    sh('ip', '-n', nsD, 'addr', 'flush', 'dev', 'lo', 'to', `${vip}/32`);
    sh('ip', '-n', nsC, 'neigh', 'flush', 'dev', vethC);
  });

  afterAll(() => {
    if (server?.pid !== undefined && server.exitCode === null) server.kill('SIGKILL');
    for (const ns of [nsC, nsD]) {
      try {
        sh('ip', 'netns', 'del', ns);
      } catch {
        // already gone
      }
    }
  });

  it('VIP also on lo: the connection taken before the VIP left the interface is answered', async () => {
    setArpIgnore(1);
    sh('ip', '-n', nsD, 'addr', 'add', `${vip}/32`, 'dev', 'lo');
    sh('ip', '-n', nsD, 'addr', 'add', `${vip}/24`, 'dev', vethD);
    const out = await answerAfterYield();
    expect(out).toContain('connected');
    expect(out).toContain('got:answer');
  });

  it('VIP only on the interface: that answer never arrives', async () => {
    setArpIgnore(1);
    sh('ip', '-n', nsD, 'addr', 'add', `${vip}/24`, 'dev', vethD);
    const out = await answerAfterYield();
    expect(out).toContain('connected');
    expect(out).not.toContain('got:answer');
    expect(out).toContain('timeout');
  });

  it.each([
    [1, false],
    [0, true],
  ])('VIP only on lo, arp_ignore=%i: the director answers ARP for it: %s', (ignore, answers) => {
    setArpIgnore(ignore);
    sh('ip', '-n', nsD, 'addr', 'add', `${vip}/32`, 'dev', 'lo');
    // a connection to the VIP can only start if someone answered ARP for it
    const out = sh('ip', 'netns', 'exec', nsC, process.execPath, '-e', clientJs);
    expect(out.includes('connected')).toBe(answers);
    const neigh = sh('ip', '-n', nsC, 'neigh', 'show', vip);
    expect(/lladdr/.test(neigh)).toBe(answers);
  });
});

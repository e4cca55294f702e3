/**
 * The hapb profile's mechanisms, live: two directors running the rendered
 * keepalived.conf and firewall rules in their own network namespaces on one
 * sealed bridge, with a client namespace.
 *  - the track file moves the VIP at once when nginx is reported down, and the
 *    master takes it back (after preempt_delay) when nginx is up again;
 *  - a SYN to the VIP with no listener times out (retransmitted) instead of
 *    being refused;
 *  - keepalived killed on the master (all its processes at once, then the
 *    keepalived.service drop-in's stop commands run as systemd would): a new
 *    connection to the VIP is dropped there while an open one is still
 *    answered, and keepalived starting again serves new connections again;
 *  - a VRRP speaker that is not a peer director cannot take the VIP.
 * The check script is left out here (no nginx runs): it has its own test.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { moduleCatalog } from '../../src/cli/load-inputs.js';
import { renderPlaybook, type RenderedFile } from '../../src/engine/render.js';
import { loadInventory } from '../../src/inventory/index.js';
import { loadPlaybook } from '../../src/playbook/load.js';
import type { Vars } from '../../src/engine/types.js';
import { loadYamlFile } from '../../src/yaml/load.js';
import { canUseNamespaces } from '../helpers/env.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const prefix = `hapb-t-roles-${process.pid}`;
const nsOf = (name: string): string => `${prefix}-${name}`;
const VIP = '192.168.0.150';

function run(cmd: string, args: string[], timeout = 20_000): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: `${stdout}${stderr}` });
    });
  });
}

async function must(cmd: string, args: string[]): Promise<string> {
  const r = await run(cmd, args);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.out}`);
  return r.out;
}

async function hasVip(host: string): Promise<boolean> {
  const r = await run('ip', ['-n', nsOf(host), '-4', '-o', 'addr', 'show', 'dev', 'ens33']);
  return r.out.includes(` ${VIP}/`);
}

/**
 * A TCP peer for the drain test, run with node inside a namespace.
 * `serve NAME`: listen on port 80, answer each line with `pong from NAME`.
 * `client`: read commands on stdin: `held TEXT` sends TEXT on one connection
 * opened at start; `new MS` opens a new connection (MS ms to connect) and
 * sends one line. Prints each answer, `timeout`, or `error CODE`.
 */
const tcpPeer = `
const net = require('node:net');
const [mode, arg] = process.argv.slice(2);
if (mode === 'serve') {
  net.createServer((s) => {
    s.on('error', () => {});
    let buf = '';
    s.on('data', (d) => { buf += d; let i; while ((i = buf.indexOf('\\n')) >= 0) { buf = buf.slice(i + 1); s.write('pong from ' + arg + '\\n'); } });
  }).listen(80, () => console.log('listening'));
} else {
  const ask = (sock, text) => new Promise((resolve) => {
    sock.once('data', (d) => resolve(String(d).trim()));
    sock.write(text + '\\n');
  });
  const held = net.connect(80, '${VIP}', () => console.log('connected'));
  held.on('error', () => {});
  require('node:readline').createInterface({ input: process.stdin }).on('line', async (line) => {
    const [cmd, rest] = [line.split(' ')[0], line.slice(line.indexOf(' ') + 1)];
    if (cmd === 'held') { console.log(await ask(held, rest)); return; }
    const s = net.connect(80, '${VIP}');
    const timer = setTimeout(() => { s.destroy(); console.log('timeout'); }, Number(rest));
    s.on('error', (e) => { clearTimeout(timer); console.log('error ' + e.code); });
    s.on('connect', async () => { clearTimeout(timer); console.log(await ask(s, 'probe')); s.destroy(); });
  });
}
`;

/** A process whose stdout we read line by line. */
class LineProcess {
  private readonly lines: string[] = [];
  private waiter: ((line: string) => void) | undefined;
  readonly child: ChildProcess;

  constructor(cmd: string, args: string[]) {
    this.child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'inherit'] });
    if (!this.child.stdout) throw new Error(`${cmd}: no stdout`);
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      const w = this.waiter;
      this.waiter = undefined;
      if (w) w(line);
      else this.lines.push(line);
    });
  }

  /** The next line, or `(nothing within MS ms)`. */
  next(ms = 5_000): Promise<string> {
    const line = this.lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        resolve(`(nothing within ${ms} ms)`);
      }, ms);
      this.waiter = (l) => {
        clearTimeout(timer);
        resolve(l);
      };
    });
  }

  send(line: string): Promise<string> {
    this.child.stdin?.write(`${line}\n`);
    return this.next();
  }

  stop(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
  }
}

/**
 * The commands of a unit file's `KEY=` lines as a shell runs them: without
 * systemd's `-` prefix and with `$$` (systemd's escape) as `$`.
 */
function unitCommands(content: string, key: string): string[] {
  return content
    .split('\n')
    .filter((l) => l.startsWith(`${key}=`))
    .map((l) => l.slice(key.length + 1).replace(/^-/, '').replace(/\$\$/g, '$'));
}

/** Poll until `cond` holds (true) or `ms` pass (false). Bounded; not a timing assertion. */
async function until(cond: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (await cond()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!canUseNamespaces)('hapb profile, live in network namespaces', () => {
  let tmp = '';
  const daemons: ChildProcess[] = [];
  const logs: string[] = [];
  const downFile = (host: string): string => join(tmp, `${host}.down`);

  async function rendered(host: string, extra: Vars = {}): Promise<RenderedFile[]> {
    const inventory = loadInventory(join(root, 'inventory', 'seed.yml'));
    const profile = loadYamlFile<Vars>(join(root, 'profiles', 'hapb.yml')).value;
    const playbook = loadPlaybook(join(root, 'playbooks', 'site.yml'), { modules: moduleCatalog });
    return (
      await renderPlaybook({
        playbook,
        inventory,
        extraVars: { ...profile, keepalived_check_script: '', keepalived_nginx_down_file: downFile(host), ...extra },
      })
    ).filter((f) => f.host === host);
  }

  /** keepalived in its own process group (`ip netns exec` execs it: same pid), so all of it can be killed at once. */
  function startKeepalived(host: string, conf: string): ChildProcess {
    const args = ['netns', 'exec', nsOf(host), 'keepalived', '-n', '-l', '-D', '-P', '-f', conf,
      '-p', join(tmp, `${host}.pid`), '-r', join(tmp, `${host}.vrrp.pid`), '-c', join(tmp, `${host}.checkers.pid`)];
    const child = spawn('ip', args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child.stdout?.on('data', (d: Buffer) => logs.push(`${host}: ${d.toString()}`));
    child.stderr?.on('data', (d: Buffer) => logs.push(`${host}: ${d.toString()}`));
    daemons.push(child);
    return child;
  }
  const keepalivedOf = new Map<string, ChildProcess>();

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), `${prefix}-`));
    const sw = nsOf('sw');
    await must('ip', ['netns', 'add', sw]);
    await must('ip', ['-n', sw, 'link', 'add', 'br0', 'type', 'bridge']);
    await must('ip', ['-n', sw, 'link', 'set', 'br0', 'up']);
    const hosts: [string, string][] = [['master', '192.168.0.40/24'], ['backup', '192.168.0.41/24'], ['client', '192.168.0.10/24'], ['rogue', '192.168.0.66/24']];
    for (const [host, addr] of hosts) {
      const ns = nsOf(host);
      await must('ip', ['netns', 'add', ns]);
      await must('ip', ['-n', sw, 'link', 'add', `p-${host}`, 'type', 'veth', 'peer', 'name', 'ens33', 'netns', ns]);
      await must('ip', ['-n', sw, 'link', 'set', `p-${host}`, 'master', 'br0', 'up']);
      await must('ip', ['-n', ns, 'addr', 'add', addr, 'dev', 'ens33']);
      await must('ip', ['-n', ns, 'link', 'set', 'ens33', 'up']);
      await must('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    }
    for (const host of ['backup', 'master']) {
      const files = (await rendered(host));
      const nft = files.find((f) => f.dest === '/etc/hapb/director.nft');
      const conf = files.find((f) => f.dest === '/etc/keepalived/keepalived.conf');
      if (!nft || !conf) throw new Error(`${host}: no firewall rules or keepalived.conf rendered`);
      writeFileSync(join(tmp, `${host}.nft`), nft.content);
      writeFileSync(join(tmp, `${host}.conf`), conf.content);
      writeFileSync(downFile(host), '0\n');
      await must('ip', ['netns', 'exec', nsOf(host), 'nft', '-f', join(tmp, `${host}.nft`)]);
      keepalivedOf.set(host, startKeepalived(host, join(tmp, `${host}.conf`)));
    }
  });

  afterAll(async () => {
    const running = (d: ChildProcess): boolean => d.exitCode === null && d.signalCode === null;
    for (const d of daemons) {
      if (running(d) && d.pid !== undefined) d.kill('SIGTERM');
    }
    await Promise.all(daemons.map((d) => (running(d) ? new Promise((r) => d.once('exit', r)) : undefined)));
    for (const host of ['master', 'backup', 'client', 'rogue', 'sw']) await run('ip', ['netns', 'del', nsOf(host)]);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  const diag = (): string => logs.join('').split('\n').slice(-40).join('\n');

  it('the master holds the VIP, the backup does not', async () => {
    expect(await until(async () => (await hasVip('master')) && !(await hasVip('backup')), 15_000), diag()).toBe(true);
  });

  it('nginx reported down on the master: the VIP moves to the backup', async () => {
    writeFileSync(downFile('master'), '1\n');
    expect(await until(async () => (await hasVip('backup')) && !(await hasVip('master')), 3_000), diag()).toBe(true);
  });

  it('nginx up again: the master takes the VIP back', async () => {
    writeFileSync(downFile('master'), '0\n');
    expect(await until(async () => (await hasVip('master')) && !(await hasVip('backup')), 15_000), diag()).toBe(true);
  });

  it('nginx flapping on the master (down/up every second): the VIP stays on the backup, then returns once', async () => {
    writeFileSync(downFile('master'), '1\n');
    expect(await until(async () => (await hasVip('backup')) && !(await hasVip('master')), 3_000), diag()).toBe(true);
    let masterHeldIt = false;
    for (let i = 0; i < 8; i++) {
      writeFileSync(downFile('master'), i % 2 === 0 ? '0\n' : '1\n');
      const end = Date.now() + 1_000;
      while (Date.now() < end) {
        if (await hasVip('master')) masterHeldIt = true;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    expect(masterHeldIt, 'preempt_delay should keep the VIP on the backup while nginx flaps').toBe(false);
    writeFileSync(downFile('master'), '0\n');
    expect(await until(async () => (await hasVip('master')) && !(await hasVip('backup')), 15_000), diag()).toBe(true);
  });

  it('a SYN to the VIP with no listener is dropped, not refused', async () => {
    // no nginx runs: without the rule the kernel would answer RST (curl exit 7)
    const r = await run('ip', ['netns', 'exec', nsOf('client'), 'curl', '-sS', '--connect-timeout', '1.5', `http://${VIP}/`]);
    expect(r.out).toMatch(/timed out|Timeout/i);
    expect(r.code).toBe(28);
  });

  it('without the rule the same SYN is refused (what the rule prevents)', async () => {
    await must('ip', ['netns', 'exec', nsOf('master'), 'nft', 'delete', 'table', 'inet', 'hapb_director']);
    const r = await run('ip', ['netns', 'exec', nsOf('client'), 'curl', '-sS', '--connect-timeout', '1.5', `http://${VIP}/`]);
    await must('ip', ['netns', 'exec', nsOf('master'), 'nft', '-f', join(tmp, 'master.nft')]);
    expect(r.code).toBe(7);
  });

  it('keepalived killed on the master: new connections to the VIP are dropped there, open ones still answered', async () => {
    const unit = (await rendered('master')).find((f) => f.dest === '/etc/systemd/system/keepalived.service.d/hapb.conf')?.content ?? '';
    const [drain, ...removal] = unitCommands(unit, 'ExecStopPost');
    const startPre = unitCommands(unit, 'ExecStartPre');
    const killed = keepalivedOf.get('master');
    if (!drain || removal.length === 0 || startPre.length === 0 || killed?.pid === undefined) throw new Error(`drop-in commands or keepalived missing:\n${unit}`);
    const peer = join(tmp, 'tcp-peer.cjs');
    writeFileSync(peer, tcpPeer);
    const drops = async (): Promise<number> => {
      const rules = await must('ip', ['netns', 'exec', nsOf('master'), 'nft', 'list', 'chain', 'inet', 'hapb_director', 'input']);
      return Number(/@drain counter packets (\d+)/.exec(rules)?.[1] ?? Number.NaN);
    };
    // the VIP on lo, unannounced, as hapb-vip-lo.service (before keepalived) puts it on a director
    const onLoUnit = (await rendered('master')).find((f) => f.dest === '/etc/systemd/system/hapb-vip-lo.service')?.content ?? '';
    const loStart = unitCommands(onLoUnit, 'ExecStart');
    if (loStart.length === 0) throw new Error(`no hapb-vip-lo.service for master:\n${onLoUnit}`);
    for (const c of loStart) await must('ip', ['netns', 'exec', nsOf('master'), 'sh', '-c', c]);
    const server = new LineProcess('ip', ['netns', 'exec', nsOf('master'), process.execPath, peer, 'serve', 'master']);
    const client = new LineProcess('ip', ['netns', 'exec', nsOf('client'), process.execPath, peer, 'client']);
    try {
      expect(await server.next()).toBe('listening');
      expect(await client.next()).toBe('connected');
      expect(await client.send('held ping')).toBe('pong from master');
      expect(await client.send('new 2000')).toBe('pong from master');
      const dropsBefore = await drops();

      // SIGKILL to the process group: the VRRP child dies with its parent and cannot drop the VIP
      const exited = new Promise((r) => killed.once('exit', r));
      process.kill(-killed.pid, 'SIGKILL');
      await exited;
      expect(await hasVip('master'), 'a killed keepalived leaves the VIP behind').toBe(true);
      // systemd's ExecStopPost lines, in order: the drain, then the VIP off the interface at once (it stays on lo)
      await must('ip', ['netns', 'exec', nsOf('master'), 'sh', '-c', drain]);
      const removed = run('ip', ['netns', 'exec', nsOf('master'), 'env', 'SERVICE_RESULT=signal', 'sh', '-c', removal.join('\n')]);
      expect(await client.send('held still there?')).toBe('pong from master');
      expect(await client.send('new 300')).toBe('timeout');
      expect(await drops(), 'the SYN was dropped by the drain rule').toBeGreaterThan(dropsBefore);
      expect((await removed).code).toBe(0);
      expect(await hasVip('master'), 'the VIP left the killed director\'s interface').toBe(false);
      expect(await until(async () => (await hasVip('backup')) && !(await hasVip('master')), 3_000), diag()).toBe(true);

      // keepalived starting again: ExecStartPre empties the set; once the master holds the VIP it takes new connections
      for (const c of startPre) await must('ip', ['netns', 'exec', nsOf('master'), 'sh', '-c', c]);
      // the killed daemon's pid files would make keepalived refuse to start ("daemon is already running")
      for (const f of ['pid', 'vrrp.pid', 'checkers.pid']) rmSync(join(tmp, `master.${f}`), { force: true });
      keepalivedOf.set('master', startKeepalived('master', join(tmp, 'master.conf')));
      expect(await until(async () => (await hasVip('master')) && !(await hasVip('backup')), 15_000), diag()).toBe(true);
      expect(await client.send('new 2000')).toBe('pong from master');
    } finally {
      client.stop();
      server.stop();
      for (const c of unitCommands(onLoUnit, 'ExecStop')) await run('ip', ['netns', 'exec', nsOf('master'), 'sh', '-c', c]);
    }
  });

  it('a VRRP speaker that is not a peer director cannot take the VIP', async () => {
    // the rogue claims the same router id with the highest priority, unicast to both directors
    const conf = (await rendered('master'))
      .find((f) => f.dest === '/etc/keepalived/keepalived.conf')
      ?.content.replace(/unicast_src_ip \S+/, 'unicast_src_ip 192.168.0.66')
      .replace(/unicast_peer \{[^}]*\}/, 'unicast_peer {\n        192.168.0.40\n        192.168.0.41\n    }')
      .replace(/priority \d+/, 'priority 254')
      .replace(/\n\s*track_file \{[^}]*\}/, '')
      .replace(/\ntrack_file nginx_down \{[^}]*\}\n/, '\n')
      .replace(/preempt_delay \d+/, '');
    if (!conf) throw new Error('no keepalived.conf');
    writeFileSync(join(tmp, 'rogue.conf'), conf);
    startKeepalived('rogue', join(tmp, 'rogue.conf'));
    expect(await until(() => hasVip('rogue'), 10_000), diag()).toBe(true);
    // the rogue now sends priority-254 adverts; give the directors time to (not) react
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await hasVip('master'), diag()).toBe(true);
    expect(await hasVip('backup')).toBe(false);
    // control: without the rules the directors hear the rogue and give the VIP up
    for (const host of ['master', 'backup']) await must('ip', ['netns', 'exec', nsOf(host), 'nft', 'delete', 'table', 'inet', 'hapb_director']);
    expect(await until(async () => !(await hasVip('master')), 5_000), diag()).toBe(true);
  });
});

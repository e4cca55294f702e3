/**
 * The load generator on a client host, over hapb's connection (SSH): the
 * compiled generator, undici and (when the host has no node >= 20) this
 * node binary are uploaded once as a tarball into
 * /var/tmp/hapb-loadgen-<hash>/, then the generator runs there in the
 * background writing its JSON lines to a file, which the drill reads as it
 * grows. It stops by its own count and time bounds, so a controller that dies
 * leaves no load running for longer than the scenario.
 *
 * Times: `t0Epoch` is the client host's clock. On a lab every machine shares
 * the controller's kernel clock; on real hosts the clocks must be in NTP sync
 * (the faults' times are the controller's).
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { shellJoin, shellQuote } from '../../connection/command.js';
import type { Connection } from '../../connection/types.js';
import { HapbError } from '../../errors/index.js';
import { runSync } from '../../lab/run.js';
import type { LoadHandle } from '../lab-control.js';
import { defaultLoadgenPath } from '../load-process.js';
import { loadArgs, parseLoadLine } from '../loadgen/protocol.js';
import type { LoadOptions, RequestRecord } from '../types.js';

export interface LoadBundle {
  /** gzip'd tar: dist/drill/loadgen, dist/errors, node_modules/undici, package.json */
  tarball: Buffer;
  hash: string;
}

/** the files the generator needs, as one tarball (made once per process) */
let cached: LoadBundle | undefined;
export function loadBundle(loadgenPath = defaultLoadgenPath()): LoadBundle {
  if (cached) return cached;
  const dist = resolve(dirname(loadgenPath), '..', '..');
  const root = dirname(dist);
  const undici = dirname(createRequire(loadgenPath).resolve('undici/package.json'));
  // the tar holds: <root-relative dist paths>, node_modules/undici (dereferenced), a package.json saying ESM
  const tmp = runSync(['mktemp', '-d', '/tmp/hapb-loadgen-XXXXXX']).stdout.trim();
  try {
    runSync(['mkdir', '-p', join(tmp, 'node_modules')]);
    runSync(['cp', '-rL', undici, join(tmp, 'node_modules', 'undici')]);
    runSync(['sh', '-c', `printf '{"type":"module"}\\n' > ${shellQuote(join(tmp, 'package.json'))}`]);
    const parts = [join(dist, 'drill', 'loadgen'), join(dist, 'errors')].map((p) => relative(root, p));
    // reproducible: the same files give the same bytes, so the same hash (no upload after a rebuild)
    const tar = ['tar', '--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '--exclude=*.map', '-cf', join(tmp, 'bundle.tar'), '-C', root, ...parts, '-C', tmp, 'node_modules', 'package.json'];
    const r = runSync(tar);
    if (r.rc === 0) runSync(['gzip', '-n', join(tmp, 'bundle.tar')]);
    if (r.rc !== 0) throw new HapbError(`packing the load generator failed: ${r.stderr.trim()}`);
    const tarball = readFileSync(join(tmp, 'bundle.tar.gz'));
    const hash = createHash('sha256').update(tarball).update(process.version).digest('hex').slice(0, 16);
    cached = { tarball, hash };
    return cached;
  } finally {
    runSync(['rm', '-rf', tmp]);
  }
}

async function must(conn: Connection, command: string, what: string): Promise<string> {
  const r = await conn.exec(command);
  if (r.rc !== 0) throw new HapbError(`${conn.host}: ${what} failed (rc ${r.rc})`, { hint: (r.stderr || r.stdout).trim().slice(-400) });
  return r.stdout;
}

/** put the generator on the host (once per bundle); returns its directory and the node to run it with */
export async function installLoadgen(conn: Connection, bundle = loadBundle()): Promise<{ dir: string; node: string }> {
  const dir = `/var/tmp/hapb-loadgen-${bundle.hash}`;
  const hasBundle = (await conn.exec(`test -f ${dir}/ok`)).rc === 0;
  if (!hasBundle) {
    await must(conn, `rm -rf ${dir}.tmp && mkdir -p ${dir}.tmp`, 'making the load generator directory');
    await conn.put(bundle.tarball, `${dir}.tmp/bundle.tgz`, { mode: '0600' });
    await must(conn, `cd ${dir}.tmp && tar -xzf bundle.tgz && rm bundle.tgz && touch ok && rm -rf ${dir} && mv ${dir}.tmp ${dir}`, 'unpacking the load generator');
  }
  const remoteNode = await conn.exec(`command -v node >/dev/null && node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' && command -v node`);
  if (remoteNode.rc === 0 && remoteNode.stdout.trim() !== '') return { dir, node: remoteNode.stdout.trim() };
  // node by its version, apart from the bundle: a new build of hapb does not upload it again
  const node = `/var/tmp/hapb-node-${process.version}/node`;
  if ((await conn.exec(`test -x ${node} && ${node} --version`)).stdout.trim() !== process.version) {
    const size = statSync(process.execPath).size;
    process.stderr.write(`drill: ${conn.host} has no node >= 20: uploading ${process.execPath} (${(size / 1e6).toFixed(0)} MB) to ${node}\n`);
    await must(conn, `mkdir -p /var/tmp/hapb-node-${process.version}`, 'making the node directory');
    await conn.put(readFileSync(process.execPath), `${node}.tmp`, { mode: '0755' });
    await must(conn, `mv ${node}.tmp ${node}`, 'installing node');
  }
  return { dir, node };
}

export interface RemoteLoadOptions {
  /** how often the output file is read, ms */
  pollMs?: number;
  onStderr?: (line: string) => void;
}

/**
 * Start the generator on the host; records arrive as the output file grows.
 * `stop()` sends SIGTERM (the generator ends the requests in flight and says `end`).
 */
export function startRemoteLoad(conn: Connection, install: Promise<{ dir: string; node: string }>, load: LoadOptions, opts: RemoteLoadOptions = {}): LoadHandle {
  const records: RequestRecord[] = [];
  const listeners: ((r: RequestRecord) => void)[] = [];
  let resolveT0: (t: number) => void = () => undefined;
  let rejectT0: (e: Error) => void = () => undefined;
  const t0Epoch = new Promise<number>((res, rej) => {
    resolveT0 = res;
    rejectT0 = rej;
  });
  t0Epoch.catch(() => undefined);
  let pid: string | undefined;
  let stopAsked = false;
  const pollMs = opts.pollMs ?? 250;
  const run = async (): Promise<RequestRecord[]> => {
    const { dir, node } = await install;
    const tag = `${process.pid}-${Date.now()}`;
    const out = `${dir}/run-${tag}.jsonl`;
    const err = `${dir}/run-${tag}.err`;
    const argv = [node, `${dir}/dist/drill/loadgen/main.js`, ...loadArgs(load)];
    pid = (await must(conn, `nohup setsid ${shellJoin(argv)} > ${out} 2> ${err} < /dev/null & echo $!`, 'starting the load generator')).trim();
    if (stopAsked) await conn.exec(`kill -TERM ${pid} 2>/dev/null; true`);
    let offset = 0;
    let partial = '';
    let sent: number | undefined;
    // the generator ends by itself after its duration; allow its timeout and some slack
    const deadline = Date.now() + load.durationMs + load.timeoutMs + 30_000;
    for (;;) {
      // the status first: when it says EXITED, the bytes after it are all there will be
      const r = await conn.exec(`(kill -0 ${pid} 2>/dev/null && echo RUNNING || echo EXITED); tail -c +${offset + 1} ${out}`);
      const nl = r.stdout.indexOf('\n');
      const status = r.stdout.slice(0, nl).trim();
      const body = r.stdout.slice(nl + 1);
      offset += Buffer.byteLength(body);
      const lines = (partial + body).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const msg = parseLoadLine(line);
        if (!msg) continue;
        if (msg.type === 'start') resolveT0(msg.t0Epoch);
        else if (msg.type === 'end') sent = msg.sent;
        else {
          const { type: _type, ...rec } = msg;
          records.push(rec);
          for (const l of listeners) l(rec);
        }
      }
      if (status === 'EXITED') {
        if (sent !== undefined) break;
        const why = (await conn.exec(`tail -n 5 ${err}`)).stdout.trim();
        throw new HapbError(`${conn.host}: load generator exited without its end line`, { hint: why });
      }
      if (Date.now() > deadline) {
        await conn.exec(`kill -KILL ${pid} 2>/dev/null; true`);
        throw new HapbError(`${conn.host}: load generator still running past its bound`);
      }
      await new Promise((r2) => setTimeout(r2, pollMs));
    }
    await conn.exec(`rm -f ${out} ${err}`);
    if (sent !== records.length) throw new HapbError(`load generator on ${conn.host} sent ${sent} requests but reported ${records.length}`);
    return records.sort((a, b) => a.seq - b.seq);
  };
  const done = run().catch((e: unknown) => {
    const err = e instanceof Error ? e : new Error(String(e));
    rejectT0(err);
    throw err;
  });
  return {
    t0Epoch,
    onRecord: (cb) => listeners.push(cb),
    stop: () => {
      stopAsked = true;
      if (pid !== undefined) void conn.exec(`kill -TERM ${pid} 2>/dev/null; true`).catch(() => undefined);
    },
    done,
  };
}

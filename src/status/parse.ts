/**
 * Pure parsers for what the status probe reads on a host: keepalived's JSON
 * dump, `ip -j addr`, `nginx -T`, nginx's error log, the backend probes.
 */
import type { UpstreamServer, VrrpInstance } from './types.js';

const VRRP_STATES: Record<number, string> = { 0: 'INIT', 1: 'BACKUP', 2: 'MASTER', 3: 'FAULT', 97: 'DELETED', 98: 'STOP' };

/** the address of "192.168.0.150/24 dev ens33 scope global set" or "192.168.0.150/24" */
export function vipAddress(entry: string): string {
  const first = entry.trim().split(/\s+/)[0] ?? '';
  const slash = first.indexOf('/');
  return slash >= 0 ? first.slice(0, slash) : first;
}

function num(v: unknown, fallback = 0): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

/**
 * keepalived's JSON dump (`kill -s $(keepalived --signum=JSON)`, written to
 * /tmp/keepalived.json): one entry per vrrp_instance. Throws on text that is
 * no such dump.
 */
export function parseKeepalivedJson(text: string): VrrpInstance[] {
  const doc = JSON.parse(text) as unknown;
  if (!Array.isArray(doc)) throw new Error('keepalived.json is not a list of instances');
  return doc.map((entry: unknown): VrrpInstance => {
    const e = (entry ?? {}) as { data?: Record<string, unknown>; stats?: Record<string, unknown> };
    const d = e.data ?? {};
    const s = e.stats ?? {};
    const stateNum = num(d.state, -1);
    const inst: VrrpInstance = {
      name: typeof d.iname === 'string' ? d.iname : '?',
      state: VRRP_STATES[stateNum] ?? `STATE_${stateNum}`,
      basePriority: num(d.base_priority),
      effectivePriority: num(d.effective_priority),
      vips: Array.isArray(d.vips) ? d.vips.filter((v): v is string => typeof v === 'string').map(vipAddress) : [],
      becameMaster: num(s.become_master),
      releasedMaster: num(s.release_master),
    };
    if (typeof d.last_transition === 'number') inst.lastTransition = d.last_transition;
    return inst;
  });
}

interface IpAddrJson {
  ifname?: string;
  flags?: string[];
  addr_info?: { family?: string; local?: string }[];
}

/** addresses held on network interfaces (not loopback: an address only on lo is not reachable from the segment) */
export function parseIpAddr(text: string): string[] {
  const links = JSON.parse(text || '[]') as IpAddrJson[];
  return links
    .filter((l) => !(l.flags ?? []).includes('LOOPBACK') && l.ifname !== 'lo')
    .flatMap((l) => (l.addr_info ?? []).filter((a) => (a.family === 'inet' || a.family === 'inet6') && a.local).map((a) => a.local ?? ''));
}

/** nginx configuration text (as `nginx -T` prints it) as tokens: words, '{', '}', ';' */
export function nginxTokens(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] ?? '';
    if (/\s/.test(c)) {
      i++;
    } else if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '{' || c === '}' || c === ';') {
      out.push(c);
      i++;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      let word = '';
      while (j < text.length && text[j] !== c) {
        if (text[j] === '\\' && j + 1 < text.length) j++;
        word += text[j] ?? '';
        j++;
      }
      out.push(word);
      i = j + 1;
    } else {
      let j = i;
      while (j < text.length && !/[\s{};]/.test(text[j] ?? '')) j++;
      out.push(text.slice(i, j));
      i = j;
    }
  }
  return out;
}

/** nginx time ("5s", "1m", "500ms", "10") in seconds */
export function nginxSeconds(v: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(v.trim());
  if (!m) return 10;
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return unit === 'ms' ? n / 1000 : unit === 'm' ? n * 60 : unit === 'h' ? n * 3600 : unit === 'd' ? n * 86400 : n;
}

export interface NginxConfigFacts {
  upstreams: UpstreamServer[];
  /** ssl_certificate paths (without variables) */
  certificates: string[];
}

/** The upstream servers and certificate files of an nginx configuration (`nginx -T`). */
export function parseNginxConfig(text: string): NginxConfigFacts {
  const tokens = nginxTokens(text);
  const upstreams: UpstreamServer[] = [];
  const certificates = new Set<string>();
  const stack: string[][] = [];
  let stmt: string[] = [];
  for (const t of tokens) {
    if (t === '{') {
      stack.push(stmt);
      stmt = [];
    } else if (t === '}') {
      stack.pop();
      stmt = [];
    } else if (t === ';') {
      const block = stack[stack.length - 1];
      const [name, ...args] = stmt;
      if (name === 'server' && block?.[0] === 'upstream' && args[0] && !args[0].startsWith('unix:')) {
        const server = upstreamServer(block[1] ?? '', args[0], args.slice(1));
        // a server listed again (profile hapb's "last resort" backup entries) is one backend: the first entry says how it is used
        if (!upstreams.some((u) => u.upstream === server.upstream && u.address === server.address && u.port === server.port)) upstreams.push(server);
      } else if (name === 'ssl_certificate' && args[0] && !args[0].includes('$') && !args[0].startsWith('data:')) {
        certificates.add(args[0]);
      }
      stmt = [];
    } else {
      stmt.push(t);
    }
  }
  return { upstreams, certificates: [...certificates] };
}

function upstreamServer(upstream: string, target: string, params: string[]): UpstreamServer {
  let address = target;
  let port = 80;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(target);
  if (v6) {
    address = v6[1] ?? target;
    if (v6[2]) port = Number(v6[2]);
  } else {
    const m = /^(.*):(\d+)$/.exec(target);
    if (m) {
      address = m[1] ?? target;
      port = Number(m[2]);
    }
  }
  const param = (key: string): string | undefined => params.find((p) => p.startsWith(`${key}=`))?.slice(key.length + 1);
  return {
    upstream,
    address,
    port,
    maxFails: Number(param('max_fails') ?? 1),
    failTimeout: nginxSeconds(param('fail_timeout') ?? '10s'),
    backup: params.includes('backup'),
    down: params.includes('down'),
  };
}

/** "2026/12/06 09:02:18" read as if UTC (the log and the host's clock are compared in the same zone) */
export function nginxLogTime(s: string): number | undefined {
  const m = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})/.exec(s);
  if (!m) return undefined;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) / 1000;
}

/**
 * Failures of upstream servers in nginx's error log: every [error]/[warn]
 * line naming an upstream (connect() failed, timed out, prematurely closed,
 * "upstream server temporarily disabled"), as seconds before `now` (the
 * host's clock in the log's format), per "address:port".
 */
export function upstreamFailures(log: string, now: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const nowS = nginxLogTime(now);
  if (nowS === undefined) return out;
  for (const line of log.split('\n')) {
    if (!/ \[(error|warn|crit)\] /.test(line)) continue;
    const up = /upstream: "[a-z]+:\/\/(\[[^\]]+\]|[^/:"]+)(?::(\d+))?[^"]*"/.exec(line);
    if (!up) continue;
    const t = nginxLogTime(line);
    if (t === undefined) continue;
    const host = (up[1] ?? '').replace(/^\[|\]$/g, '');
    const key = `${host}:${up[2] ?? '80'}`;
    const list = out.get(key) ?? [];
    list.push(nowS - t);
    out.set(key, list);
  }
  return out;
}

/** nginx's passive health, inferred: max_fails failures within the last fail_timeout mark the server failed */
export function markedFailed(server: UpstreamServer, failures: Map<string, number[]>): { marked: boolean; lastAgo?: number } {
  const ages = (failures.get(`${server.address}:${server.port}`) ?? []).filter((a) => a >= -1 && a <= server.failTimeout);
  if (ages.length === 0) return { marked: false };
  const lastAgo = Math.max(0, Math.min(...ages));
  return { marked: server.maxFails > 0 && ages.length >= server.maxFails, lastAgo };
}

/** one backend probe's output ("HTTP/1.1 200 OK", "bash: connect: Connection refused", rc) in words, and whether it answered */
export function probeVerdict(output: string, rc: number): { up: boolean; probe: string } {
  const status = /^HTTP\/[\d.]+ (\d{3})/m.exec(output);
  if (status) {
    const code = Number(status[1]);
    return { up: code < 500, probe: `HTTP ${code}` };
  }
  if (rc === 124) return { up: false, probe: 'timeout' };
  const reason = /connect: (.+)$/m.exec(output)?.[1] ?? /: ([A-Z][^:\n]+)$/m.exec(output)?.[1];
  return { up: false, probe: reason ? reason.toLowerCase() : output.trim() ? output.trim().split('\n')[0] ?? 'no answer' : 'no answer' };
}

/** sections of a probe script's output: lines "@@name" start one */
export function splitSections(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let name: string | undefined;
  let lines: string[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('@@')) {
      if (name !== undefined) out.set(name, lines.join('\n'));
      name = line.slice(2).trim();
      lines = [];
    } else if (name !== undefined) lines.push(line);
  }
  if (name !== undefined) out.set(name, lines.join('\n'));
  return out;
}

/**
 * What `hapb status` reads on each host, over the host's connection (SSH as
 * `hapb run` makes it, the lab's ProxyCommand included): one script per
 * director for keepalived, nginx and the addresses, one for its view of the
 * backends, and the certificate files nginx names.
 */
import { X509Certificate } from 'node:crypto';
import type { BecomeOptions, Connection } from '../connection/types.js';
import { shellQuote } from '../connection/command.js';
import { markedFailed, parseIpAddr, parseKeepalivedJson, parseNginxConfig, probeVerdict, splitSections, upstreamFailures } from './parse.js';
import type { BackendHostStatus, BackendView, CertificateInfo, DirectorStatus } from './types.js';

/**
 * keepalived writes its JSON dump to /tmp/keepalived.json on signal JSON
 * (`keepalived --signum=JSON`); the old file is removed first so only a fresh
 * one is read. nginx's error log: the last lines suffice (failures older than
 * fail_timeout do not count).
 */
export const DIRECTOR_SCRIPT = `
export LC_ALL=C
echo @@uid
id -u
echo @@ip
ip -j addr show 2>/dev/null
echo @@keepalived-active
systemctl is-active keepalived 2>/dev/null
echo @@keepalived-json
pid=$(cat /run/keepalived.pid 2>/dev/null)
if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
  rm -f /tmp/keepalived.json
  sig=$(keepalived --signum=JSON 2>/dev/null)
  if [ -n "$sig" ] && kill -s "$sig" "$pid" 2>/dev/null; then
    i=0
    while [ $i -lt 60 ] && [ ! -s /tmp/keepalived.json ]; do sleep 0.05; i=$((i+1)); done
    sleep 0.05
    cat /tmp/keepalived.json 2>/dev/null
  fi
fi
echo
echo @@nginx-active
systemctl is-active nginx 2>/dev/null
echo @@nginx-t
nginx -t 2>&1; echo "rc=$?"
echo @@nginx-T
nginx -T 2>/dev/null
echo @@error-log
tail -n 3000 /var/log/nginx/error.log 2>/dev/null
echo @@now
date '+%Y/%m/%d %H:%M:%S'
`;

/** one HTTP/1.0 GET / per backend from the director, 2 s at most each, with bash's /dev/tcp (no curl needed) */
export function backendProbeScript(targets: { address: string; port: number }[]): string {
  // in parallel, each into its own section: collect with wait, then print in order
  return [
    'export LC_ALL=C',
    'd=$(mktemp -d)',
    `p() { timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1" || exit 7; printf "GET / HTTP/1.0\\r\\nHost: %s\\r\\nUser-Agent: hapb-status\\r\\nConnection: close\\r\\n\\r\\n" "$0" >&3; IFS= read -r line <&3; printf "%s\\n" "$line"' "$1" "$2" >"$d/$3" 2>&1; echo "rc=$?" >>"$d/$3"; }`,
    ...targets.map((t, i) => `p ${shellQuote(t.address)} ${t.port} ${i} &`),
    'wait',
    ...targets.map((t, i) => `echo ${shellQuote(`@@${t.address} ${t.port}`)}; cat "$d/${i}"`),
    'rm -rf "$d"',
  ].join('\n');
}

export interface ProbeContext {
  /** inventory names by address, to name the backends a director's nginx lists */
  hostByAddress: Map<string, string>;
  become?: BecomeOptions;
  /** unix ms; certificate days are counted from it */
  now: number;
}

function emptyDirector(host: string, address: string | undefined, error: string): DirectorStatus {
  return {
    host,
    ...(address ? { address } : {}),
    reachable: false,
    error,
    privileged: false,
    keepalived: { active: 'unknown', instances: [] },
    nginx: { active: 'unknown', configValid: false },
    addresses: [],
    backends: [],
    certificates: [],
  };
}

/** Read one director. `conn` must be connected; errors of a single read are recorded, not thrown. */
export async function probeDirector(host: string, address: string | undefined, conn: Connection, ctx: ProbeContext): Promise<DirectorStatus> {
  const exec = (cmd: string, timeoutMs = 30_000) => conn.exec(cmd, { timeoutMs, ...(ctx.become ? { become: ctx.become } : {}) });
  const r = await exec(DIRECTOR_SCRIPT);
  const sec = splitSections(r.stdout);
  const out: DirectorStatus = { ...emptyDirector(host, address, ''), reachable: true };
  delete out.error;
  try {
    out.addresses = parseIpAddr(sec.get('ip') ?? '');
  } catch (e) {
    out.error = `ip -j addr: ${String(e)}`;
  }
  const uid = (sec.get('uid') ?? '').trim();
  const root = uid === '0';
  out.privileged = root;
  if (!root) out.error = `reads as uid ${uid || '?'}, not root: nginx -t and keepalived's state need root (pass -b, or set ansible_become)`;
  out.keepalived.active = (sec.get('keepalived-active') ?? '').trim() || 'unknown';
  const kjson = (sec.get('keepalived-json') ?? '').trim();
  if (kjson) {
    try {
      out.keepalived.instances = parseKeepalivedJson(kjson);
    } catch (e) {
      out.keepalived.error = `keepalived's JSON dump did not parse: ${e instanceof Error ? e.message : String(e)}`;
    }
  } else if (out.keepalived.active === 'active' && root) {
    out.keepalived.error = 'keepalived wrote no JSON dump (/tmp/keepalived.json) on its JSON signal';
  }
  out.nginx.active = (sec.get('nginx-active') ?? '').trim() || 'unknown';
  const test = sec.get('nginx-t') ?? '';
  const rc = /rc=(\d+)\s*$/.exec(test);
  out.nginx.configValid = rc?.[1] === '0';
  if (!out.nginx.configValid) out.nginx.configTest = test.replace(/rc=\d+\s*$/, '').trim();
  const config = parseNginxConfig(sec.get('nginx-T') ?? '');
  const failures = upstreamFailures(sec.get('error-log') ?? '', (sec.get('now') ?? '').trim());
  const targets = config.upstreams.filter((u, i, all) => all.findIndex((o) => o.address === u.address && o.port === u.port) === i);
  if (targets.length > 0) {
    const pr = await exec(backendProbeScript(targets));
    const psec = splitSections(pr.stdout);
    out.backends = config.upstreams.map((u): BackendView => {
      const text = psec.get(`${u.address} ${u.port}`) ?? '';
      const rcm = /rc=(\d+)\s*$/.exec(text);
      const verdict = probeVerdict(text.replace(/rc=\d+\s*$/, ''), Number(rcm?.[1] ?? 1));
      const mark = markedFailed(u, failures);
      const name = ctx.hostByAddress.get(u.address);
      return {
        ...(name ? { host: name } : {}),
        address: u.address,
        port: u.port,
        upstream: u.upstream,
        state: !verdict.up ? 'down' : mark.marked || u.down ? 'failed' : 'up',
        probe: verdict.probe,
        markedFailed: mark.marked,
        ...(mark.lastAgo !== undefined ? { lastFailureAgo: mark.lastAgo } : {}),
        backup: u.backup,
      };
    });
  }
  for (const path of config.certificates) out.certificates.push(await readCertificate(exec, path, ctx.now));
  return out;
}

export async function readCertificate(exec: (cmd: string) => Promise<{ rc: number; stdout: string; stderr: string }>, path: string, now: number): Promise<CertificateInfo> {
  const r = await exec(`cat -- ${shellQuote(path)}`);
  if (r.rc !== 0) return { path, error: (r.stderr || r.stdout).trim() || `cannot read (rc ${r.rc})` };
  try {
    const cert = new X509Certificate(r.stdout);
    const notAfter = new Date(cert.validTo);
    return {
      path,
      subject: cert.subject.replace(/\n/g, ', '),
      notAfter: notAfter.toISOString(),
      daysLeft: Math.floor((notAfter.getTime() - now) / 86_400_000),
    };
  } catch (e) {
    return { path, error: `not a PEM certificate: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/** Read one backend host: is its nginx running. */
export async function probeBackendHost(host: string, address: string | undefined, conn: Connection, ctx: Pick<ProbeContext, 'become'>): Promise<BackendHostStatus> {
  const r = await conn.exec('systemctl is-active nginx 2>/dev/null', { timeoutMs: 15_000, ...(ctx.become ? { become: ctx.become } : {}) });
  return { host, ...(address ? { address } : {}), reachable: true, nginx: r.stdout.trim() || 'unknown' };
}

export { emptyDirector };

/**
 * The lab's HTTPS: a lab CA and a certificate for the VIPs, made with Debian's
 * openssl on the controller under the lab's folder (`tls/`), the CA trusted by
 * every machine (Debian's bundle /etc/ssl/certs/ca-certificates.crt, which
 * curl reads), and the variables that turn HTTPS on in role nginx_director.
 * Keys are 0600 in a 0700 folder; the CA key never leaves the controller.
 */
import { existsSync, readFileSync } from 'node:fs';
import { appendFile, chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { labDir } from './paths.js';
import { runOk } from './run.js';

export interface TlsFiles {
  dir: string;
  caCert: string;
  caKey: string;
  cert: string;
  key: string;
  /** the directors' shared session ticket keys (made by the role on the controller) */
  ticketKeyDir: string;
}

export const labTlsDir = (lab: string): string => join(labDir(lab), 'tls');

export function tlsFilesIn(dir: string): TlsFiles {
  return {
    dir,
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    cert: join(dir, 'vip.crt'),
    key: join(dir, 'vip.key'),
    ticketKeyDir: join(dir, 'ticket-keys'),
  };
}

export const labTlsFiles = (lab: string): TlsFiles => tlsFilesIn(labTlsDir(lab));

export interface CertRequest {
  /** names for the CA's subject, e.g. the lab's name */
  label: string;
  /** IP addresses the certificate is valid for (the VIPs) */
  ips: string[];
  /** DNS names it is valid for */
  dns?: string[];
  days?: number;
}

/**
 * A CA (ECDSA P-256, valid `days`, default 825) and a server certificate it
 * signs for `ips` and `dns` (subjectAltName, serverAuth), written to `dir`.
 * The certificate file holds the leaf then the CA (the chain nginx sends).
 */
export async function makeCaAndCert(dir: string, req: CertRequest): Promise<TlsFiles> {
  const f = tlsFilesIn(dir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const days = String(req.days ?? 825);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await runOk(['openssl', 'req', '-x509', ...ec, '-keyout', f.caKey, '-out', f.caCert, '-days', days, '-subj', `/O=hapb lab/CN=hapb lab CA ${req.label}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  const csr = join(dir, 'vip.csr');
  await runOk(['openssl', 'req', ...ec, '-keyout', f.key, '-out', csr, '-subj', `/O=hapb lab/CN=${req.ips[0] ?? req.dns?.[0] ?? 'vip'}`]);
  const san = [...req.ips.map((ip) => `IP:${ip}`), ...(req.dns ?? []).map((d) => `DNS:${d}`)].join(',');
  const ext = join(dir, 'vip.ext');
  await writeFile(ext, `subjectAltName=${san}\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n`);
  const leaf = join(dir, 'vip.leaf.crt');
  await runOk(['openssl', 'x509', '-req', '-in', csr, '-CA', f.caCert, '-CAkey', f.caKey, '-CAcreateserial', '-days', days, '-extfile', ext, '-out', leaf]);
  await writeFile(f.cert, readFileSync(leaf, 'utf8') + readFileSync(f.caCert, 'utf8'));
  for (const k of [f.caKey, f.key]) await chmod(k, 0o600);
  return f;
}

/** the lab's CA and VIP certificate, made once per lab (kept across `lab up` of the same lab dir) */
export async function ensureLabTls(lab: string, vips: string[]): Promise<TlsFiles> {
  const f = labTlsFiles(lab);
  if (existsSync(f.cert) && existsSync(f.key) && existsSync(f.caCert)) return f;
  return makeCaAndCert(f.dir, { label: lab, ips: vips, dns: [`vip.${lab}.lab`] });
}

/**
 * Trust the lab CA inside a machine's root (before it boots): the CA under
 * /usr/local/share/ca-certificates and appended to Debian's bundle (the image
 * has no ca-certificates package; curl and OpenSSL read the bundle).
 */
export async function trustLabCa(machineRoot: string, lab: string, caCert: string): Promise<void> {
  const pem = readFileSync(caCert, 'utf8');
  const local = join(machineRoot, 'usr/local/share/ca-certificates');
  await mkdir(local, { recursive: true });
  await writeFile(join(local, `hapb-lab-${lab}.crt`), pem);
  const certs = join(machineRoot, 'etc/ssl/certs');
  await mkdir(certs, { recursive: true });
  const bundle = join(certs, 'ca-certificates.crt');
  const have = existsSync(bundle) ? readFileSync(bundle, 'utf8') : '';
  if (!have.includes(pem.trim())) await appendFile(bundle, (have === '' || have.endsWith('\n') ? '' : '\n') + pem);
}

/** the inventory variables that turn HTTPS on for the lab's directors (role nginx_director) */
export function labTlsVars(lab: string): Record<string, string | boolean | number[]> {
  const f = labTlsFiles(lab);
  return {
    nginx_director_tls: true,
    nginx_director_tls_cert_file: f.cert,
    nginx_director_tls_key_file: f.key,
    nginx_director_tls_ticket_key_dir: f.ticketKeyDir,
    // the directors' firewall drops new connections to a director that is not
    // serving (and hands back the old holder's flows) on every served port
    keepalived_syn_drop_ports: [80, 443],
  };
}

/**
 * The way in from the controller: a tiny stdio-to-TCP pipe run inside the
 * lab's switch namespace (`ip netns exec`), used as an OpenSSH ProxyCommand.
 * The script is written into the lab's dir so the command works without a
 * build of hapb and with any SSH client.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { labDir } from './paths.js';
import { switchNs } from './names.js';

export const PROXY_SCRIPT = `// hapb lab proxy: pipe stdio to HOST:PORT (run inside the lab's switch namespace)
import { connect } from 'node:net';
const [host, port] = process.argv.slice(2);
const sock = connect({ host, port: Number(port) });
sock.setNoDelay(true);
sock.on('error', (e) => { process.stderr.write('hapb lab proxy: ' + host + ':' + port + ': ' + e.message + '\\n'); process.exit(1); });
process.stdin.pipe(sock);
sock.pipe(process.stdout);
sock.on('close', () => process.exit(0));
process.stdin.on('end', () => sock.end());
`;

export const proxyScriptPath = (lab: string): string => join(labDir(lab), 'proxy.mjs');

export async function writeProxyScript(lab: string): Promise<void> {
  await writeFile(proxyScriptPath(lab), PROXY_SCRIPT, { mode: 0o644 });
}

/** argv that pipes stdio to address:port from inside the lab */
export function proxyArgv(lab: string, address: string, port: number): string[] {
  return ['ip', 'netns', 'exec', switchNs(lab), process.execPath, proxyScriptPath(lab), address, String(port)];
}

/** the same as one ProxyCommand string (paths hold no spaces: they are ours) */
export function proxyCommand(lab: string, address: string, port = 22): string {
  return proxyArgv(lab, address, port).join(' ');
}

/** The lab's SSH key pair and its private known_hosts. */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { labKeyPath, labKnownHostsPath } from './paths.js';
import { runOk } from './run.js';

/** the controller's key for this lab (made once), returns the public key */
export async function ensureLabKey(lab: string): Promise<string> {
  const key = labKeyPath(lab);
  if (!existsSync(key)) await runOk(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', `hapb-lab-${lab}`, '-f', key]);
  return (await readFile(`${key}.pub`, 'utf8')).trim();
}

/** known_hosts lines: `address,name keytype key` for every machine */
export function knownHostsText(entries: { host: string; address: string; pubKey: string }[]): string {
  return entries
    .map((e) => {
      const [type, key] = e.pubKey.split(/\s+/);
      return `${e.address},${e.host} ${type ?? ''} ${key ?? ''}`;
    })
    .join('\n') + '\n';
}

export async function writeKnownHosts(lab: string, entries: { host: string; address: string; pubKey: string }[]): Promise<void> {
  await writeFile(labKnownHostsPath(lab), knownHostsText(entries), { mode: 0o644 });
}

/**
 * The hand-back's liveness heartbeats (keepalived_handback_heartbeat_port):
 * the hung-nginx watcher of each director sends them, the other director's
 * hand-back firewall turns them into a forwarding that lasts
 * keepalived_handback_heartbeat_timeout_ms. Rendered as `hapb render` does
 * (renderPlaybook) on the seed inventory; the kernel side is
 * test/integration/handback-window.test.ts.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { moduleCatalog } from '../../src/cli/load-inputs.js';
import { renderPlaybook, type RenderedFile } from '../../src/engine/render.js';
import { loadInventory } from '../../src/inventory/index.js';
import { loadPlaybook } from '../../src/playbook/load.js';
import { loadYamlFile } from '../../src/yaml/load.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const hapbProfile = loadYamlFile<Record<string, unknown>>(join(root, 'profiles', 'hapb.yml')).value;

async function render(extraVars: Record<string, unknown>, inventoryFile = 'seed.yml'): Promise<RenderedFile[]> {
  const inventory = loadInventory(join(root, 'inventory', inventoryFile));
  const playbook = loadPlaybook(join(root, 'playbooks', 'site.yml'), { modules: moduleCatalog });
  return renderPlaybook({ playbook, inventory, extraVars: { ...hapbProfile, ...extraVars } });
}

function file(files: RenderedFile[], host: string, dest: string): string {
  const f = files.find((x) => x.host === host && x.dest === dest);
  if (!f) throw new Error(`${host}:${dest} not rendered`);
  return f.content;
}

const NFT = '/etc/hapb/director.nft';
const UNIT = '/etc/systemd/system/hapb-nginx-watch.service';
const TOOK = '/etc/keepalived/hapb-took-vip.sh';
/** the backup) branch of hapb-took-vip.sh */
const backupBranch = (script: string): string => /\nbackup\)\n([\s\S]*?)\n {4};;\n/.exec(script)?.[1] ?? '';
const execStart = (unit: string): string => /^ExecStart=(.*)$/m.exec(unit)?.[1] ?? '';

describe('hand-back heartbeats', () => {
  it('profile hapb: each director heartbeats its VIP to the other, whose firewall forwards for 250 ms after each', async () => {
    const files = await render({});
    expect(execStart(file(files, 'master', UNIT))).toMatch(/ \/run\/hapb-nginx\.hung 7989 192\.168\.0\.40,192\.168\.0\.41,192\.168\.0\.150$/);
    expect(execStart(file(files, 'backup', UNIT))).toMatch(/ \/run\/hapb-nginx\.hung 7989 192\.168\.0\.41,192\.168\.0\.40,192\.168\.0\.150$/);
    const nft = file(files, 'backup', NFT);
    expect(nft).toContain('udp dport 7989 ip saddr 192.168.0.40 update @alive_192_168_0_40 { @th,64,32 timeout 250ms } drop');
    expect(nft).toMatch(/ip daddr @alive_192_168_0_40 tcp flags & syn == 0 ip ttl > 1 socket wildcard 1 counter ip ttl set 2 dup to 192\.168\.0\.40 device "ens33" drop/);
    // the window's rule comes first: its counter stays the first of the chain
    expect(nft.indexOf('@handback_192_168_0_40')).toBeLessThan(nft.indexOf('@alive_192_168_0_40 tcp'));
  });

  it('with an IPv6 VIP (inventory/dual-stack.yml) the heartbeat goes over IPv6 too, the VIP in 16 bytes', async () => {
    const files = await render({}, 'dual-stack.yml');
    const unit = execStart(file(files, 'master', UNIT));
    expect(unit).toMatch(/ 7989 192\.168\.0\.40,192\.168\.0\.41,192\.168\.0\.150 fd00::192:168:0:40,fd00::192:168:0:41,fd00::192:168:0:150$/);
    const nft = file(files, 'master', NFT);
    expect(nft).toContain('udp dport 7989 ip6 saddr fd00::192:168:0:41 update @alive_192_168_0_41 { @th,64,128 timeout 250ms } drop');
    expect(nft).toMatch(/ip6 daddr @alive_192_168_0_41 tcp flags & syn == 0 ip6 hoplimit > 1 socket wildcard 1 counter ip6 hoplimit set 2 dup to fd00::192:168:0:41 /);
  });

  it('with them, entering BACKUP opens no window (a holder that dies right after a hand-back is not forwarded to)', async () => {
    const files = await render({});
    const branch = backupBranch(file(files, 'backup', TOOK));
    expect(branch).toContain(':');
    expect(branch).not.toContain('open_window');
    expect(file(files, 'backup', TOOK)).toMatch(/\nmaster\)\n[\s\S]*open_window "\$peer" 5000\n/);
  });

  it("port '' turns them off: no heartbeat sent, no alive set; entering BACKUP opens the window for preempt_delay + the window", async () => {
    const files = await render({ keepalived_handback_heartbeat_port: '' });
    expect(backupBranch(file(files, 'backup', TOOK))).toContain('open_window "$peer" 10000');
    expect(execStart(file(files, 'master', UNIT))).toMatch(/ \/run\/hapb-nginx\.hung$/);
    expect(file(files, 'master', NFT)).not.toContain('alive_');
    expect(file(files, 'master', NFT)).toContain('@handback_192_168_0_41');
  });

  it('no watcher, no heartbeats: the firewall has no alive set either', async () => {
    const files = await render({ keepalived_nginx_watch: false });
    expect(files.some((f) => f.dest === UNIT)).toBe(false);
    expect(file(files, 'master', NFT)).not.toContain('alive_');
  });

  it('the timeout is rendered as given', async () => {
    const files = await render({ keepalived_handback_heartbeat_timeout_ms: 180 });
    expect(file(files, 'master', NFT)).toContain('{ @th,64,32 timeout 180ms }');
  });
});

/**
 * keepalived_service_rt_priority: real-time priority for keepalived set by
 * systemd (the keepalived.service drop-in), keepalived's own vrrp_rt_priority
 * left unset, and the periodic check dropped back to the normal scheduler.
 * Rendered as `hapb render` does (renderPlaybook) on the seed inventory.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { moduleCatalog } from '../../src/cli/load-inputs.js';
import { renderPlaybook, type RenderedFile } from '../../src/engine/render.js';
import { loadInventory } from '../../src/inventory/index.js';
import { loadPlaybook } from '../../src/playbook/load.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

async function render(extraVars: Record<string, unknown>): Promise<RenderedFile[]> {
  const inventory = loadInventory(join(root, 'inventory', 'seed.yml'));
  const playbook = loadPlaybook(join(root, 'playbooks', 'site.yml'), { modules: moduleCatalog });
  return renderPlaybook({ playbook, inventory, extraVars });
}

function file(files: RenderedFile[], host: string, dest: string): string {
  const f = files.find((x) => x.host === host && x.dest === dest);
  if (!f) throw new Error(`${host}:${dest} not rendered`);
  return f.content;
}

const DROPIN = '/etc/systemd/system/keepalived.service.d/hapb.conf';
const CHECK = '/etc/keepalived/hapb-check-nginx.sh';

describe('keepalived_service_rt_priority', () => {
  it('off (the default): no scheduling in the drop-in, the check runs curl itself', async () => {
    const files = await render({});
    expect(file(files, 'master', DROPIN)).not.toMatch(/CPUScheduling|LimitRTTIME/);
    expect(file(files, 'master', CHECK)).toMatch(/^exec curl /m);
  });

  it('on: systemd schedules keepalived SCHED_RR with a LimitRTTIME, keepalived.conf has no vrrp_rt_priority, the check drops to SCHED_OTHER', async () => {
    const files = await render({ keepalived_service_rt_priority: 50, keepalived_service_rttime_limit: 400000 });
    for (const host of ['master', 'backup']) {
      const dropin = file(files, host, DROPIN);
      expect(dropin).toContain('\nCPUSchedulingPolicy=rr\nCPUSchedulingPriority=50\nLimitRTTIME=400000\n');
      expect(dropin).not.toContain('CPUSchedulingResetOnFork'); // the VRRP process is a fork of keepalived's parent
      expect(file(files, host, '/etc/keepalived/keepalived.conf')).not.toMatch(/vrrp_rt_priority|vrrp_rlimit_rttime/);
      expect(file(files, host, CHECK)).toMatch(/^exec chrt --other 0 curl --silent --fail /m);
    }
  });
});

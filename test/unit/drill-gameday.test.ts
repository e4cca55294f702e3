/**
 * The real-host drill's pure parts: the fault shells (SSH never touched, VRRP
 * only), the dead-man arming before each fault, the control's refusal of
 * anything not listed, the topology read from an inventory, the plan.
 */
import { describe, expect, it } from 'vitest';
import { inventoryFromYaml } from '../../src/inventory/index.js';
import { ClusterControl } from '../../src/drill/gameday/control.js';
import { armShell, disarmShell, FAULT_KINDS, faultShell, fakeWebConfig, parseFaultProbe } from '../../src/drill/gameday/faults.js';
import { realHostScenarios, resolveGameday } from '../../src/drill/gameday/scenarios.js';
import { CONTROLLER, gamedayTopology, isLabInventory } from '../../src/drill/gameday/topology.js';
import { cmd } from '../../src/drill/scenarios/steps.js';
import { backoffSampleArgv } from '../../src/drill/tcp-backoff.js';
import { RecordingConnection } from '../helpers/recording-connection.js';

const inventory = `
all:
  children:
    directors:
      hosts:
        backup: { ansible_host: 10.0.0.41, keepalived_priority: 90 }
        master: { ansible_host: 10.0.0.40, keepalived_priority: 100 }
      vars: { keepalived_vip: 10.0.0.150/24 }
    web:
      hosts:
        web1: { ansible_host: 10.0.0.42 }
        web2: { ansible_host: 10.0.0.43 }
    clients:
      hosts:
        client: { ansible_host: 10.0.0.10 }
`;

const inv = () => inventoryFromYaml(inventory, 'prod.yml');

describe('topology from an inventory', () => {
  it('orders the directors by keepalived_priority and reads the VIP and addresses', () => {
    const t = gamedayTopology(inv(), 'client');
    expect(t.directors).toEqual(['master', 'backup']);
    expect(t.backends).toEqual(['web1', 'web2']);
    expect(t.vip).toBe('10.0.0.150');
    expect(t.url).toBe('http://10.0.0.150/');
    expect(t.addresses['backup']).toBe('10.0.0.41');
    expect(t.loadFromController).toBe(false);
  });
  it('without --client the load runs on the controller', () => {
    const t = gamedayTopology(inv(), undefined);
    expect(t.client).toBe(CONTROLLER);
    expect(t.loadFromController).toBe(true);
  });
  it('refuses a client that is not in the inventory, or is part of the cluster', () => {
    expect(() => gamedayTopology(inv(), 'nope')).toThrow(/--client nope: no such host/);
    expect(() => gamedayTopology(inv(), 'web1')).toThrow(/is a director or a backend/);
  });
  it('knows a lab inventory by its ProxyCommand into the lab switch', () => {
    const lab = inventory.replace('{ ansible_host: 10.0.0.40, keepalived_priority: 100 }', `{ ansible_host: 10.0.0.40, keepalived_priority: 100, ansible_ssh_common_args: '-o ProxyCommand="ip netns exec hapb-x-sw /usr/bin/node p.mjs 10.0.0.40 22"' }`);
    expect(isLabInventory(inventoryFromYaml(lab, 'lab.yml'), ['master', 'backup'])).toBe(true);
    expect(isLabInventory(inv(), ['master', 'backup'])).toBe(false);
  });
});

describe('fault shells', () => {
  it('every fault has an undo, and no fault names port 22 except to spare it', () => {
    for (const k of FAULT_KINDS) {
      const f = faultShell(k, { host: 'web1', peers: ['10.0.0.41'] });
      expect(f.undo.length).toBeGreaterThan(0);
      for (const line of f.inject.split('\n').filter((l) => /\b22\b/.test(l))) expect(line).toMatch(/accept/);
    }
  });
  it('the partition drops only VRRP (protocol 112) from the peers', () => {
    const f = faultShell('vrrp-blocked', { host: 'master', peers: ['10.0.0.41'] });
    const rules = f.inject.split('\n').filter((l) => l.includes('add rule'));
    expect(rules.map((l) => l.replace(/' \| nft -f -$/, ''))).toEqual(['add rule inet hapb_drill_vrrp input ip protocol 112 ip saddr 10.0.0.41 drop']);
    expect(() => faultShell('vrrp-blocked', { host: 'master' })).toThrow(/peer addresses/);
    expect(() => faultShell('vrrp-blocked', { host: 'master', peers: ['1.2.3.4; reboot'] })).toThrow(/bad peer/);
  });
  it('the lossy link spares SSH and loopback before it drops', () => {
    const rules = faultShell('lossy-link', { host: 'web1', lossPercent: 5 }).inject.split('\n').filter((l) => l.includes('add rule'));
    const firstDrop = rules.findIndex((l) => l.includes('drop'));
    expect(rules.slice(0, firstDrop).join('\n')).toMatch(/tcp dport 22 accept[\s\S]*tcp sport 22 accept/);
    expect(rules.filter((l) => l.includes('numgen random mod 100 < 5 drop'))).toHaveLength(2);
    expect(() => faultShell('lossy-link', { host: 'web1', lossPercent: 100 })).toThrow();
  });
  it('the fake web servers: broken answers 500/502, slow waits its delay then answers with the backend name', () => {
    expect(fakeWebConfig('broken', 'web1')).toMatch(/return 500;[\s\S]*return 502;/);
    const slow = fakeWebConfig('slow', 'web1', 2);
    expect(slow).toMatch(/proxy_connect_timeout 2s;/);
    expect(slow).toMatch(/add_header X-Backend web1 always;/);
  });
  it('dead-man: a transient timer running the undo; the disarm stops it', () => {
    expect(armShell('hapb-drill-dm-x-1', 60, 'systemctl start nginx.service')).toBe(
      "systemd-run -q --collect --unit=hapb-drill-dm-x-1 --on-active=60 --timer-property=AccuracySec=100ms /bin/sh -c 'systemctl start nginx.service'",
    );
    expect(disarmShell('hapb-drill-dm-x-1')).toMatch(/^systemctl stop hapb-drill-dm-x-1\.timer/);
    expect(() => armShell('x; reboot', 1, 'true')).toThrow();
  });
  it('reads the fault probe', () => {
    expect(parseFaultProbe('fault inet hapb_drill_vrrp\nnoise\nfault nginx-hung\n')).toEqual(['inet hapb_drill_vrrp', 'nginx-hung']);
  });
});

function control(rules: ConstructorParameters<typeof RecordingConnection>[0] = [{ match: /.*/, reply: { stdout: '1765000000123\n' } }]) {
  const t = gamedayTopology(inv(), 'client');
  const conns = new Map(['master', 'backup', 'web1', 'web2', 'client'].map((h) => [h, new RecordingConnection(rules, h)]));
  const c = new ClusterControl({ name: 'prod.yml', inventoryPath: 'prod.yml', topology: t, connections: conns, deadmanSeconds: 30, runId: 'r1' });
  return { c, conns };
}

describe('ClusterControl', () => {
  it('arms the dead-man timer in the same command, before the catalog fault', async () => {
    const { c, conns } = control();
    const r = await c.exec('master', [...cmd.killNginxStamped]);
    expect(r.stdout.trim()).toBe('1765000000123');
    const sent = conns.get('master')?.calls[0]?.command ?? '';
    const arm = sent.indexOf('systemd-run -q --collect --unit=hapb-drill-dm-r1-1 --on-active=30');
    const kill = sent.indexOf('systemctl kill --signal=SIGKILL nginx.service');
    expect(arm).toBe(0);
    expect(kill).toBeGreaterThan(arm);
    expect(sent).toContain('&& systemctl kill');
    expect(c.armedFaults().map((f) => [f.host, f.kind])).toEqual([['master', 'nginx-killed']]);
  });
  it('starting the service again disarms its timers', async () => {
    const { c, conns } = control();
    await c.exec('backup', [...cmd.stopNginx]);
    await c.exec('backup', [...cmd.startNginx]);
    expect(c.armedFaults()).toEqual([]);
    expect(conns.get('backup')?.calls.map((x) => x.command).join('\n')).toMatch(/systemctl stop hapb-drill-dm-r1-1\.timer/);
  });
  it('lets the lossy link\'s samples through: ss -tinH with one port filter, read-only', async () => {
    const { c, conns } = control([{ match: /^ss /, reply: { stdout: 'ESTAB 0 0 10.0.0.150:80 10.0.0.9:40000\n' } }]);
    const r = await c.exec('master', backoffSampleArgv(80, 'server'));
    expect(r.stdout).toContain('10.0.0.9:40000');
    expect(conns.get('master')?.calls.map((x) => x.command)).toEqual(["ss -tinH '( sport = :80 )'"]);
    expect(c.armedFaults()).toEqual([]);
  });
  it('refuses commands that are no listed fault, and lab-only faults', async () => {
    const { c, conns } = control();
    await expect(c.exec('master', ['rm', '-rf', '/'])).rejects.toThrow(/refused on master/);
    await expect(c.exec('master', ['sh', '-c', 'reboot'])).rejects.toThrow(/refused/);
    await expect(c.exec('client', [...cmd.killNginx])).rejects.toThrow(/refused on client/);
    await expect(c.exec('master', ['ss', '-tinH', '( sport = :80 ) or ( dport = :22 )'])).rejects.toThrow(/refused/);
    await expect(c.exec('master', ['ss', '-tinHK', '( sport = :80 )'])).rejects.toThrow(/refused/);
    await expect(c.poweroff('master')).rejects.toThrow(/lab-only/);
    await expect(c.cut('master')).rejects.toThrow(/SSH path/);
    expect([...conns.values()].every((x) => x.calls.length === 0)).toBe(true);
  });
  it('the partition blocks VRRP both ways between the directors, and heal undoes both', async () => {
    const { c, conns } = control();
    await c.partition(['master'], ['backup']);
    expect(conns.get('master')?.calls[0]?.command).toContain('ip saddr 10.0.0.41 drop');
    expect(conns.get('backup')?.calls[0]?.command).toContain('ip saddr 10.0.0.40 drop');
    await expect(c.partition(['master'], ['web1'])).rejects.toThrow(/only blocks VRRP between the directors/);
    await c.undoAll();
    await c.partition(['master'], ['backup']);
    await c.heal();
    expect(c.armedFaults()).toEqual([]);
    expect(conns.get('backup')?.calls.at(-1)?.command).toMatch(/^nft delete table inet hapb_drill_vrrp/);
  });
  it('a fault that fails is undone at once and reported', async () => {
    const { c, conns } = control([{ match: 'systemd-run', reply: { rc: 1, stderr: 'Failed to start transient timer unit' } }, { match: /.*/, reply: {} }]);
    await expect(c.fault('keepalived-stopped', { host: 'master' })).rejects.toThrow(/keepalived stopped on master: failed/);
    expect(c.armedFaults()).toEqual([]);
    expect(conns.get('master')?.calls.at(-1)?.command).toMatch(/systemctl start keepalived\.service; systemctl stop hapb-drill-dm/);
  });
  it('Ctrl-C path: undoAll undoes every fault, newest first', async () => {
    const { c, conns } = control();
    await c.fault('backend-slow', { host: 'web1' });
    await c.fault('lossy-link', { host: 'web1' });
    await c.undoAll();
    const cmds = conns.get('web1')?.calls.map((x) => x.command) ?? [];
    expect(cmds[2]).toMatch(/^nft delete table inet hapb_drill_loss/);
    expect(cmds[3]).toMatch(/^nft delete table ip hapb_drill_redirect/);
    expect(c.armedFaults()).toEqual([]);
  });
  it('reads the VIP holder from a network interface, not lo', async () => {
    const { c } = control([
      { match: 'ip -o -4 addr', reply: (_cmd) => ({ stdout: '1: lo    inet 10.0.0.150/32 scope host lo\n2: ens33    inet 10.0.0.40/24 brd 10.0.0.255 scope global ens33\n' }) },
    ]);
    expect(await c.vipHolders()).toEqual([]);
  });
});

describe('real-host scenarios', () => {
  it('has no lab-only scenario, and refuses one by name', () => {
    const names = realHostScenarios.map((s) => s.name);
    for (const n of ['lb-poweroff', 'lb-cut', 'backend-cut', 'backend-poweroff', 'lb-poweron']) expect(names).not.toContain(n);
    expect(() => resolveGameday(['lb-poweroff'])).toThrow(/needs a lab/);
    expect(resolveGameday([]).map((s) => s.name)).toContain('lb-partition');
  });
});

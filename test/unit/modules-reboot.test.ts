/** reboot: the wait for a new boot over a connection that drops and comes back (scripted). */
import { describe, expect, it } from 'vitest';
import { UnreachableError } from '../../src/errors/index.js';
import { getModule } from '../../src/modules/index.js';
import { runModule } from '../../src/modules/run-module.js';
import { makeContext } from '../helpers/module-context.js';
import { RecordingConnection } from '../helpers/recording-connection.js';
import { VirtualClock } from '../helpers/virtual-clock.js';

/** a host that answers boot id b1, goes down on shutdown for `downFor` reconnects, then answers b2 */
class RebootingHost extends RecordingConnection {
  down = 0;
  reconnects = 0;
  constructor(downFor: number, bootAfter = 'b2') {
    super([
      { match: 'boot_id', reply: () => ({ stdout: this.rebooted ? `${bootAfter}\n` : 'b1\n' }) },
      { match: 'shutdown -r', reply: () => ((this.down = downFor), (this.rebooted = true), { rc: 0 }) },
      { match: 'whoami', reply: { stdout: 'root\n' } },
    ]);
  }
  rebooted = false;
  override async exec(command: string, opts = {}): ReturnType<RecordingConnection['exec']> {
    if (this.down > 0) throw new UnreachableError(this.host, 'connection lost');
    return super.exec(command, opts);
  }
  async reconnect(): Promise<void> {
    this.reconnects++;
    if (this.down > 0) {
      this.down--;
      throw new UnreachableError(this.host, 'connection refused');
    }
  }
}

const reboot = getModule('ansible.builtin.reboot');

describe('reboot', () => {
  it('waits through the outage for a new boot id, then the test command', async () => {
    if (!reboot) throw new Error('no reboot');
    const host = new RebootingHost(2);
    const { result } = await runModule(reboot, { ...makeContext(host), clock: new VirtualClock() }, { reboot_timeout: 30 });
    expect(result).toMatchObject({ changed: true, failed: false, rebooted: true });
    expect(host.reconnects).toBe(3);
    expect(host.commands.slice(-2)).toEqual(['cat /proc/sys/kernel/random/boot_id', 'whoami']);
  });

  it('times out when the boot id never changes', async () => {
    if (!reboot) throw new Error('no reboot');
    const host = new RebootingHost(0, 'b1');
    const { result } = await runModule(reboot, { ...makeContext(host), clock: new VirtualClock() }, { reboot_timeout: 2 });
    expect(result).toMatchObject({ failed: true, rebooted: false, msg: 'Timed out waiting for last boot time check (timeout=2)' });
  });

  it('refuses the local connection', async () => {
    if (!reboot) throw new Error('no reboot');
    const host = new RebootingHost(0);
    const { result } = await runModule(reboot, makeContext(host, { vars: { ansible_connection: 'local' } }), {});
    expect(result).toMatchObject({ failed: true, msg: 'Running reboot with local connection would reboot the control node.' });
    expect(host.commands).toEqual([]);
  });
});

/**
 * reboot: reboot the host and wait until it is back (a new boot id, then the
 * test command succeeds), as Ansible's reboot action. Refused on the local
 * connection (it would reboot the controller). Check mode reports the reboot
 * without doing it.
 */
import { shellQuote } from '../connection/command.js';
import { intSchema, objectSchema, stringOrListSchema, stringSchema, toInt } from './args.js';
import { failedPlan } from './result.js';
import type { Module, StepOutput } from './types.js';

export type RebootArgs = {
  pre_reboot_delay?: number | string;
  post_reboot_delay?: number | string;
  reboot_timeout?: number | string;
  connect_timeout?: number | string;
  test_command?: string;
  msg?: string;
  boot_time_command?: string;
  reboot_command?: string;
  search_paths?: string | string[];
};

export const rebootModule: Module<RebootArgs> = {
  name: 'reboot',
  traits: { checkMode: 'full' },
  schema: objectSchema({
    pre_reboot_delay: intSchema,
    post_reboot_delay: intSchema,
    reboot_timeout: intSchema,
    connect_timeout: intSchema,
    test_command: stringSchema,
    msg: stringSchema,
    boot_time_command: stringSchema,
    reboot_command: stringSchema,
    search_paths: stringOrListSchema,
  }),
  async check(ctx, args) {
    if (ctx.vars.ansible_connection === 'local') {
      return failedPlan('Running reboot with local connection would reboot the control node.', { rebooted: false, changed: false, elapsed: 0 });
    }
    const pre = Math.max(0, toInt(args.pre_reboot_delay, 'pre_reboot_delay', 0));
    const bootIdCommand = args.boot_time_command ?? 'cat /proc/sys/kernel/random/boot_id';
    const r = await ctx.query(bootIdCommand);
    if (r.rc !== 0) return failedPlan(`failed to get the boot time: ${r.stderr.trim()}`, { rebooted: false, elapsed: 0 });
    const msg = args.msg ?? 'Reboot initiated by Ansible';
    // shutdown -r takes minutes; Ansible runs it as +N with N = pre_reboot_delay // 60 and waits the rest itself
    const reboot = args.reboot_command ?? `/sbin/shutdown -r +${Math.floor(pre / 60)} ${shellQuote(msg)}`;
    return {
      changed: true,
      data: { rebooted: true, elapsed: 0 },
      steps: [
        {
          reboot,
          bootIdCommand,
          bootId: r.stdout.trim(),
          test: args.test_command ?? 'whoami',
          timeoutMs: toInt(args.reboot_timeout, 'reboot_timeout', 600) * 1000,
          connectTimeoutMs: toInt(args.connect_timeout, 'connect_timeout', 10) * 1000,
          preDelayMs: (pre % 60) * 1000,
          postDelayMs: Math.max(0, toInt(args.post_reboot_delay, 'post_reboot_delay', 0)) * 1000,
        },
      ],
      report: (outs: StepOutput[]) => ({ rebooted: true, elapsed: Math.floor((outs[0]?.ms ?? 0) / 1000) }),
    };
  },
};

/**
 * `hapb run --list-hosts / --list-tasks / --list-tags`: the text
 * ansible-playbook prints for them, built from the loaded playbook and
 * inventory without connecting to any host. One difference: hosts come in
 * inventory order (ansible-playbook prints a Python set, in no stable order).
 */
import { limitHosts, selectHosts } from '../inventory/index.js';
import type { Inventory } from '../inventory/types.js';
import { evaluateTags, taskTags } from '../playbook/tags.js';
import { flatTasks, type Playbook, type Task } from '../playbook/types.js';
import { pyRepr } from '../template/python.js';

export interface ListRequest {
  /** the playbook path as the user gave it */
  path: string;
  hosts?: boolean;
  tasks?: boolean;
  tags?: boolean;
  /** --limit, as hapb run reads it (@FILE, errors when it selects nothing) */
  limit?: string;
  onlyTags?: string[];
  skipTags?: string[];
}

export function playbookListing(playbook: Playbook, inventory: Inventory, req: ListRequest): string {
  let out = `\nplaybook: ${req.path}\n`;
  const limited = req.limit !== undefined ? limitHosts(inventory, req.limit) : undefined;
  playbook.plays.forEach((play, i) => {
    let msg = `\n  play #${i + 1} (${play.hosts}): ${play.name}\tTAGS: [${play.tags.join(',')}]`;
    if (req.hosts) {
      const hosts = selectHosts(inventory, play.hosts).filter((h) => !limited || limited.has(h));
      msg += `\n    pattern: ${pyRepr([play.hosts])}\n    hosts (${hosts.length}):`;
      for (const h of hosts) msg += `\n      ${h}`;
    }
    out += msg + '\n';
    if (!req.tasks && !req.tags) return;
    let taskMsg = req.tasks ? '    tasks:\n' : '';
    const all = new Set<string>(play.tags);
    const tasks: Task[] = flatTasks([...play.preTasks, ...play.roles.flatMap((r) => r.tasks), ...play.tasks, ...play.postTasks]);
    for (const task of tasks) {
      const tags = taskTags(play, task);
      if (!evaluateTags(tags, req.onlyTags, req.skipTags)) continue;
      for (const t of tags) all.add(t);
      if (req.tasks) {
        const name = task.named ? (task.role ? `${task.role.name} : ${task.name}` : task.name) : task.module;
        taskMsg += `      ${name}\tTAGS: [${[...new Set(tags)].sort().join(', ')}]\n`;
      }
    }
    if (req.tags) taskMsg += `      TASK TAGS: [${[...all].sort().join(', ')}]\n`;
    out += taskMsg;
  });
  return out;
}

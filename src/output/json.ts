/**
 * `-o json`: the document of Ansible's json callback (ansible.posix.json,
 * what ANSIBLE_STDOUT_CALLBACK=json prints): `plays[].play` and
 * `plays[].tasks[].task` (name, id, path, duration), `plays[].tasks[].hosts`
 * (each host's result with its `action`), `stats` per host, `custom_stats`
 * and `global_custom_stats`. Keys sorted, indented by 4, as Ansible's.
 */
import { randomUUID } from 'node:crypto';
import type { EngineEvent, EventListener, HostStats } from '../engine/types.js';
import { ansibleResult, pyJson } from './ansible.js';

interface Duration {
  start: string;
  end?: string;
}
interface JsonTask {
  task: { name: string; id: string; path: string; duration: Duration };
  hosts: Record<string, Record<string, unknown>>;
}
interface JsonPlay {
  play: { name: string; id: string; path: string; duration: Duration };
  tasks: JsonTask[];
}
export interface AnsibleJson {
  plays: JsonPlay[];
  stats: Record<string, AnsibleStats>;
  custom_stats: Record<string, unknown>;
  global_custom_stats: Record<string, unknown>;
}
/** AggregateStats.summarize: `failures`, not `failed` */
export interface AnsibleStats {
  ok: number;
  changed: number;
  unreachable: number;
  failures: number;
  skipped: number;
  rescued: number;
  ignored: number;
}

/** Python's datetime.utcnow().isoformat() + 'Z' (microseconds) */
function now(): string {
  return new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export function ansibleStats(s: HostStats): AnsibleStats {
  return { ok: s.ok, changed: s.changed, unreachable: s.unreachable, failures: s.failed, skipped: s.skipped, rescued: s.rescued, ignored: s.ignored };
}

export interface JsonCollector {
  listener: EventListener;
  document(): AnsibleJson;
  /** the document as Ansible prints it */
  text(): string;
}

export function jsonCollector(): JsonCollector {
  const plays: JsonPlay[] = [];
  let stats: Record<string, AnsibleStats> = {};
  const listener = (e: EngineEvent): void => {
    switch (e.type) {
      case 'play.start':
        plays.push({ play: { name: e.name, id: randomUUID(), path: e.pos ? `${e.pos.file}:${e.pos.line}` : '', duration: { start: now() } }, tasks: [] });
        break;
      case 'task.start': {
        const play = plays.at(-1);
        const name = e.role ? `${e.role} : ${e.name}` : e.name;
        play?.tasks.push({ task: { name, id: randomUUID(), path: e.pos ? `${e.pos.file}:${e.pos.line}` : '', duration: { start: now() } }, hosts: {} });
        break;
      }
      case 'host.result':
      case 'include.result': {
        // the "included: FILE" lines of the text output: the json callback records the include task's own result (include.result)
        if (e.type === 'host.result' && e.included !== undefined) break;
        const play = plays.at(-1);
        const task = play?.tasks.at(-1);
        if (!play || !task) break;
        const r = ansibleResult(e.result);
        if (Array.isArray(r.results)) r.results = (r.results as typeof e.result[]).map((item) => ({ ...ansibleResult(item), ...flags(item) }));
        task.hosts[e.host] = { ...r, ...flags(e.result), action: e.module ?? '' };
        const end = now();
        task.task.duration.end = end;
        play.play.duration.end = end;
        break;
      }
      case 'playbook.end':
        stats = Object.fromEntries(Object.keys(e.recap).sort().map((h) => [h, ansibleStats(e.recap[h]!)]));
        break;
      default:
        break;
    }
  };
  const document = (): AnsibleJson => ({ plays, stats, custom_stats: {}, global_custom_stats: {} });
  return { listener, document, text: () => pyJson(document(), 4) };
}

/** the json callback adds failed/skipped: true to what the default callback shows */
function flags(r: { failed: boolean; skipped: boolean }): Record<string, boolean> {
  return { ...(r.failed ? { failed: true } : {}), ...(r.skipped ? { skipped: true } : {}) };
}

/**
 * hapb's output against lines ansible-playbook 2.14 printed for the same
 * results (copied from real runs): banners, recap, result JSON, diff, loop
 * items, -v levels, and the json callback document.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { newResult, type EngineEvent, type HostStats } from '../../src/engine/types.js';
import { banner, dumpResult, formatDiff, formatRecap, pyJson } from '../../src/output/ansible.js';
import { jsonCollector } from '../../src/output/json.js';
import { plainListener } from '../../src/output/plain.js';

const stats = (s: Partial<HostStats>): HostStats => ({ ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0, ...s });

function capture(events: EngineEvent[], verbosity = 0, diff = false): string {
  let text = '';
  const out = new Writable({
    write(chunk: Buffer, _enc, cb): void {
      text += chunk.toString();
      cb();
    },
  });
  const l = plainListener({ out, verbosity, diff });
  for (const e of events) l(e);
  return text;
}

describe("Ansible's default callback text", () => {
  it('banners fill 80 columns with stars, at least 3', () => {
    expect(banner('PLAY [Demo play]')).toBe(`\nPLAY [Demo play] ${'*'.repeat(63)}\n`);
    expect(banner('TASK [x]').trim().length).toBe(80);
    expect(banner(`TASK [${'n'.repeat(100)}]`)).toMatch(/\] \*\*\*\n$/);
  });

  it('the recap pads the host to 26 and each count to 4, hosts sorted, then a blank line', () => {
    const text = formatRecap({ h2: stats({ ok: 5, changed: 2, failed: 1, skipped: 1, ignored: 1 }), h1: stats({ ok: 10, changed: 7, skipped: 1 }) });
    expect(text).toBe(
      'h1                         : ok=10   changed=7    unreachable=0    failed=0    skipped=1    rescued=0    ignored=0   \n' +
        'h2                         : ok=5    changed=2    unreachable=0    failed=1    skipped=1    rescued=0    ignored=1   \n\n',
    );
  });

  it("results as Python's json.dumps: sorted keys, ', ' and ': ', without failed/skipped or hapb's own keys", () => {
    const r = newResult({ changed: true, failed: true, ignored: true, msg: 'non-zero return code', rc: 1, cmd: ['/bin/false'], stdout: '', stdout_lines: [], plan: ['x'] });
    expect(dumpResult(r, { verbosity: 0 })).toBe('{"changed": true, "cmd": ["/bin/false"], "msg": "non-zero return code", "rc": 1, "stdout": "", "stdout_lines": []}');
    expect(pyJson({ b: { y: 1, x: [true, null] }, a: 'é' })).toBe('{"a": "é", "b": {"x": [true, null], "y": 1}}');
  });

  it('diff and invocation only from -vvv, indented by 4', () => {
    const r = newResult({ changed: true, invocation: { module_args: { a: 1 } }, diff: [{ path: '/f', before: 'a\n', after: 'b\n' }] });
    expect(dumpResult(r, { verbosity: 1 })).toBe('{"changed": true}');
    const v3 = dumpResult(r, { verbosity: 3 });
    expect(v3).toContain('\n    "invocation": {\n        "module_args": {\n            "a": 1');
    expect(v3).toContain('"diff": [');
  });

  it('a unified diff as difflib writes it, then a blank line', () => {
    expect(formatDiff({ path: '/t/h1.txt', before: 'hello x\n', after: 'hello h1\nline2\n' })).toBe(
      '--- before: /t/h1.txt\n+++ after: /t/h1.txt\n@@ -1 +1,2 @@\n-hello x\n+hello h1\n+line2\n\n',
    );
    expect(formatDiff({ path: '/n', before: '', after: 'a\n' })).toContain('@@ -0,0 +1 @@\n+a\n');
  });

  it('the diff comes before the changed: line; debug is always shown, indented', () => {
    const text = capture(
      [
        { type: 'task.start', name: 'write', handler: false, hosts: ['h1'] },
        { type: 'host.result', host: 'h1', task: 'write', module: 'copy', handler: false, status: 'changed', result: newResult({ changed: true, diff: [{ path: '/f', before: 'a\n', after: 'b\n' }] }) },
        { type: 'task.start', name: 'say', handler: false, hosts: ['h1'] },
        { type: 'host.result', host: 'h1', task: 'say', module: 'debug', handler: false, status: 'ok', result: newResult({ msg: 'hi' }) },
      ],
      0,
      true,
    );
    expect(text).toBe(
      `\nTASK [write] ${'*'.repeat(67)}\n--- before: /f\n+++ after: /f\n@@ -1 +1 @@\n-a\n+b\n\nchanged: [h1]\n` +
        `\nTASK [say] ${'*'.repeat(69)}\nok: [h1] => {\n    "msg": "hi"\n}\n`,
    );
  });

  it('loop items, an ignored failure, a skipped task, at -v', () => {
    const items = [newResult({ item: 'a', ansible_loop_var: 'item', msg: 'a' }), newResult({ item: 'b', ansible_loop_var: 'item', skipped: true, skip_reason: 'Conditional result was False' })];
    const text = capture(
      [
        { type: 'host.result', host: 'h1', task: 'l', module: 'command', handler: false, status: 'ok', result: newResult({ results: items, msg: 'All items completed' }) },
        { type: 'host.result', host: 'h2', task: 'f', module: 'fail', handler: false, status: 'failed', result: newResult({ failed: true, ignored: true, msg: 'boom' }) },
        { type: 'host.result', host: 'h2', task: 's', module: 'copy', handler: false, status: 'skipped', result: newResult({ skipped: true, skip_reason: 'Conditional result was False' }) },
      ],
      1,
    );
    expect(text.split('\n')).toEqual([
      'ok: [h1] => (item=a) => {"ansible_loop_var": "item", "changed": false, "item": "a", "msg": "a"}',
      'skipping: [h1] => (item=b)  => {"ansible_loop_var": "item", "changed": false, "item": "b", "skip_reason": "Conditional result was False"}',
      'fatal: [h2]: FAILED! => {"changed": false, "msg": "boom"}',
      '...ignoring',
      'skipping: [h2] => {"changed": false, "skip_reason": "Conditional result was False"}',
      '',
    ]);
  });

  it('one "included:" line per included file, naming every host that includes it (as ansible-playbook printed it)', () => {
    const inc = (host: string, item: string, first: boolean): EngineEvent => ({
      type: 'host.result',
      host,
      task: 'include in a loop',
      module: 'include_tasks',
      handler: false,
      status: 'ok',
      included: '/p/write.yml',
      ...(first ? { includedFor: ['h1', 'h2'] } : {}),
      result: newResult({ include: 'write.yml', include_args: {}, item }),
    });
    const text = capture([
      { type: 'task.start', name: 'include in a loop', handler: false, hosts: ['h1', 'h2'] },
      { type: 'include.result', host: 'h1', task: 'include in a loop', module: 'include_tasks', result: newResult({ msg: 'All items completed' }) },
      { type: 'include.result', host: 'h2', task: 'include in a loop', module: 'include_tasks', result: newResult({ msg: 'All items completed' }) },
      inc('h1', 'a', true),
      inc('h2', 'a', false),
      inc('h1', 'b', true),
      inc('h2', 'b', false),
    ]);
    expect(text.split('\n').filter((l) => l && !l.startsWith('TASK'))).toEqual([
      'included: /p/write.yml for h1, h2 => (item=a)',
      'included: /p/write.yml for h1, h2 => (item=b)',
    ]);
  });

  it('-vv: the PLAYBOOK banner, the play count and each task path', () => {
    const text = capture(
      [
        { type: 'playbook.start', file: '/p/site.yml', check: false, diff: false },
        { type: 'task.start', name: 't', handler: false, hosts: ['h1'], pos: { file: '/p/site.yml', line: 5, col: 7 } },
      ],
      2,
    );
    expect(text).toContain(`\nPLAYBOOK: site.yml ${'*'.repeat(61)}\n`);
    expect(text).toContain('task path: /p/site.yml:5\n');
    expect(capture([{ type: 'task.start', name: 't', handler: false, hosts: ['h1'], pos: { file: '/p/site.yml', line: 5, col: 7 } }], 1)).not.toContain('task path');
  });
});

describe("-o json: the json callback's document", () => {
  it('plays, tasks with hosts and action, stats with failures, custom stats', () => {
    const c = jsonCollector();
    const events: EngineEvent[] = [
      { type: 'play.start', name: 'Demo', hosts: ['h1'], pos: { file: '/p/pb.yml', line: 1, col: 3 } },
      { type: 'task.start', name: 'cfg', role: 'app', handler: false, hosts: ['h1'], pos: { file: '/p/roles/app/tasks/main.yml', line: 2, col: 3 } },
      { type: 'host.result', host: 'h1', task: 'cfg', module: 'template', handler: false, status: 'skipped', result: newResult({ skipped: true, skip_reason: 'Conditional result was False' }) },
      { type: 'playbook.end', recap: { h1: stats({ skipped: 1 }) } },
    ];
    for (const e of events) c.listener(e);
    const doc = JSON.parse(c.text()) as Record<string, unknown> & { plays: { play: Record<string, unknown>; tasks: { task: Record<string, unknown>; hosts: Record<string, unknown> }[] }[] };
    expect(Object.keys(doc)).toEqual(['custom_stats', 'global_custom_stats', 'plays', 'stats']);
    expect(Object.keys(doc.plays[0]!.play)).toEqual(['duration', 'id', 'name', 'path']);
    expect(doc.plays[0]!.play.path).toBe('/p/pb.yml:1');
    expect(doc.plays[0]!.tasks[0]!.task.name).toBe('app : cfg');
    expect(doc.plays[0]!.tasks[0]!.hosts.h1).toEqual({ action: 'template', changed: false, skip_reason: 'Conditional result was False', skipped: true });
    expect(doc.stats).toEqual({ h1: { changed: 0, failures: 0, ignored: 0, ok: 0, rescued: 0, skipped: 1, unreachable: 0 } });
  });
  it("an include's results go under the include task, before the included tasks (the json callback records under the last task started)", () => {
    const c = jsonCollector();
    const events: EngineEvent[] = [
      { type: 'play.start', name: 'p', hosts: ['h1', 'h2'] },
      { type: 'task.start', name: 'dynamic include', handler: false, hosts: ['h1', 'h2'] },
      ...['h1', 'h2'].map((h): EngineEvent => ({ type: 'include.result', host: h, task: 'dynamic include', module: 'include_tasks', result: newResult({ include: `${h}.yml`, include_args: {} }) })),
      // the "included:" lines of the text output are not results of the json callback
      ...['h1', 'h2'].map((h): EngineEvent => ({ type: 'host.result', host: h, task: 'dynamic include', module: 'include_tasks', handler: false, status: 'ok', included: `/p/${h}.yml`, result: newResult({ include: `${h}.yml` }) })),
      { type: 'task.start', name: 'h1 file', handler: false, hosts: ['h1'] },
      { type: 'host.result', host: 'h1', task: 'h1 file', module: 'copy', handler: false, status: 'changed', result: newResult({ changed: true }) },
    ];
    for (const e of events) c.listener(e);
    const tasks = c.document().plays[0]!.tasks;
    expect(tasks.map((t) => [t.task.name, Object.keys(t.hosts)])).toEqual([
      ['dynamic include', ['h1', 'h2']],
      ['h1 file', ['h1']],
    ]);
    expect(tasks[0]!.hosts.h2).toEqual({ action: 'include_tasks', changed: false, include: 'h2.yml', include_args: {} });
  });
});

/**
 * uri: an HTTP request made ON the host with curl (Ansible runs uri on the
 * target too), so `url: http://127.0.0.1/` means the host's own loopback.
 * Never changes anything. It cannot tell what a request would do without
 * making it, so in check mode it is skipped (traits.checkMode 'none').
 */
import { shellJoin } from '../connection/command.js';
import { boolSchema, intSchema, objectSchema, stringSchema, toBool, toInt } from './args.js';
import type { Module } from './types.js';

export type UriArgs = {
  url: string;
  method?: string;
  status_code?: number | string | (number | string)[];
  return_content?: boolean | string;
  body?: unknown;
  body_format?: 'raw' | 'json';
  headers?: Record<string, string | number>;
  timeout?: number | string;
  validate_certs?: boolean | string;
  follow_redirects?: 'none' | 'safe' | 'all' | boolean | string;
};

const MARK = '\n__HAPB_URI__';

/** The curl command line (exported for tests). */
export function curlCommand(args: UriArgs, hasBody: boolean, contentType: string | undefined): string {
  const method = (args.method ?? 'GET').toUpperCase();
  const argv = ['curl', '-sS', '-X', method, '--max-time', String(toInt(args.timeout, 'timeout', 30))];
  argv.push('-D', 'HEADERS', '-w', `${MARK}%{http_code}`);
  if (!toBool(args.validate_certs, 'validate_certs', true)) argv.push('-k');
  const follow = args.follow_redirects;
  if (follow === undefined || follow === 'safe' || follow === 'all' || follow === true || follow === 'yes') {
    argv.push('-L');
    if (follow === 'all') argv.push('--post301', '--post302', '--post303');
  }
  for (const [k, v] of Object.entries(args.headers ?? {})) argv.push('-H', `${k}: ${v}`);
  if (contentType && !Object.keys(args.headers ?? {}).some((k) => k.toLowerCase() === 'content-type')) {
    argv.push('-H', `Content-Type: ${contentType}`);
  }
  if (hasBody) argv.push('--data-binary', '@-');
  argv.push('--', args.url);
  // headers go to a temp file on the host and then to stderr after curl's own messages
  // (curl 7.88 crashes writing -D /dev/stderr when stderr is a pipe)
  const line = shellJoin(argv).replace(' -D HEADERS ', ' -D "$h" ');
  return `h=$(mktemp) || exit 1; ${line}; rc=$?; cat "$h" >&2; rm -f "$h"; exit $rc`;
}

function parseHeaders(text: string): Record<string, string> {
  // with -L there is one header block per hop: keep the last
  const blocks = text.split(/\r?\n\r?\n/).filter((b) => /^HTTP\//.test(b.trim()));
  const last = blocks[blocks.length - 1] ?? '';
  const out: Record<string, string> = {};
  for (const line of last.split(/\r?\n/).slice(1)) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i).trim().toLowerCase().replace(/-/g, '_')] = line.slice(i + 1).trim();
  }
  return out;
}

export const uriModule: Module<UriArgs> = {
  name: 'uri',
  traits: { checkMode: 'none' },
  schema: objectSchema(
    {
      url: stringSchema,
      method: stringSchema,
      status_code: { type: ['integer', 'string', 'array'], items: { type: ['integer', 'string'] } },
      return_content: boolSchema,
      body: {},
      body_format: { enum: ['raw', 'json'] },
      headers: { type: 'object', additionalProperties: { type: ['string', 'number'] } },
      timeout: intSchema,
      validate_certs: boolSchema,
      follow_redirects: { type: ['string', 'boolean'] },
    },
    { required: ['url'] },
  ),
  check(_ctx, args) {
    const wanted = (Array.isArray(args.status_code) ? args.status_code : [args.status_code ?? 200]).map((c) =>
      toInt(c, 'status_code', 200),
    );
    let body: string | undefined;
    let contentType: string | undefined;
    if (args.body !== undefined) {
      if (args.body_format === 'json' || (typeof args.body === 'object' && args.body !== null)) {
        body = typeof args.body === 'string' ? args.body : JSON.stringify(args.body);
        contentType = 'application/json';
      } else body = String(args.body);
    }
    const cmd = curlCommand(args, body !== undefined, contentType);
    const timeoutMs = (toInt(args.timeout, 'timeout', 30) + 10) * 1000;
    // the request is the step; its output is judged by report()
    const step = { run: cmd, keepOutput: true, timeoutMs, ...(body !== undefined ? { stdin: body } : {}) };
    return Promise.resolve({ changed: false, data: { url: args.url }, steps: [step], report: ([r]) => (r ? judge(args, wanted, r) : {}) });
  },
};

/** The result of the request from curl's output: status, headers, content, failed when the status is not wanted. */
function judge(args: UriArgs, wanted: number[], r: { rc: number; stdout: string; stderr: string }): Record<string, unknown> {
  const at = r.stdout.lastIndexOf(MARK);
  const content = at >= 0 ? r.stdout.slice(0, at) : r.stdout;
  const status = at >= 0 ? Number(r.stdout.slice(at + MARK.length)) : -1;
  const headers = parseHeaders(r.stderr);
  const data: Record<string, unknown> = { url: args.url, status: r.rc === 0 ? status : -1, ...headers };
  if (toBool(args.return_content, 'return_content', false)) {
    data.content = content;
    if ((headers.content_type ?? '').includes('json')) {
      try {
        data.json = JSON.parse(content);
      } catch {
        // not JSON after all: content is still there
      }
    }
  }
  const fail = (msg: string): Record<string, unknown> => ({ ...data, failed: true, msg });
  if (r.rc === 127) return fail('uri runs curl on the host, and curl is not installed there');
  if (r.rc !== 0) {
    const err = r.stderr.split('\n').filter((l) => l.startsWith('curl:')).join(' ') || `curl rc ${r.rc}`;
    return fail(`Status code was -1 and not [${wanted.join(', ')}]: Request failed: ${err}`);
  }
  if (!wanted.includes(status)) return fail(`Status code was ${status} and not [${wanted.join(', ')}]: HTTP Error ${status}`);
  return { ...data, msg: `OK (${content.length} bytes)` };
}

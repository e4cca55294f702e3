import { describe, expect, it } from 'vitest';
import { backendFrom } from '../../src/drill/loadgen/backend.js';
import { classifyCode, classifyStatus, errorCode, isRetryableOnReuse } from '../../src/drill/loadgen/classify.js';
import { parseLoadLine, loadArgs } from '../../src/drill/loadgen/protocol.js';
import { parseLoadgenArgs } from '../../src/drill/loadgen/args.js';
import { HapbError } from '../../src/errors/index.js';

function err(props: Record<string, unknown>): Error {
  return Object.assign(new Error('x'), props);
}

describe('record classification', () => {
  it.each([
    ['ECONNREFUSED', 'refused'],
    ['ECONNRESET', 'reset'],
    ['EPIPE', 'reset'],
    ['UND_ERR_SOCKET', 'reset'],
    ['UND_ERR_CONNECT_TIMEOUT', 'timeout'],
    ['UND_ERR_HEADERS_TIMEOUT', 'timeout'],
    ['HAPB_TIMEOUT', 'timeout'],
    ['EHOSTUNREACH', 'other'],
    ['UNKNOWN', 'other'],
  ] as const)('%s is %s', (code, kind) => {
    expect(classifyCode(code)).toBe(kind);
  });

  it.each([
    [200, 'ok'],
    [204, 'ok'],
    [301, 'ok'],
    [404, 'http'],
    [502, 'http'],
    [503, 'http'],
  ] as const)('status %i is %s', (status, kind) => {
    expect(classifyStatus(status)).toBe(kind);
  });

  it('finds the code through cause chains and skips the abort wrapper', () => {
    expect(errorCode(err({ code: 'UND_ERR_SOCKET' }))).toBe('UND_ERR_SOCKET');
    expect(errorCode(err({ cause: err({ code: 'ECONNRESET' }) }))).toBe('ECONNRESET');
    expect(errorCode(err({ code: 'UND_ERR_ABORTED', cause: err({ code: 'ECONNREFUSED' }) }))).toBe('ECONNREFUSED');
    expect(errorCode(Object.assign(new Error('t'), { name: 'TimeoutError' }))).toBe('HAPB_TIMEOUT');
    expect(errorCode('a string')).toBe('UNKNOWN');
  });

  it('retries on a reused connection only when it died, never after a timeout or refusal', () => {
    expect(isRetryableOnReuse('ECONNRESET')).toBe(true);
    expect(isRetryableOnReuse('UND_ERR_SOCKET')).toBe(true);
    expect(isRetryableOnReuse('HAPB_TIMEOUT')).toBe(false);
    expect(isRetryableOnReuse('ECONNREFUSED')).toBe(false);
  });
});

describe('backend that answered', () => {
  it.each([
    [{ 'x-backend': 'web2' }, 'served by web1', 'web2'],
    [{}, '<h1>Hello from web1</h1>', 'web1'],
    [{}, 'backend-b\nmore', 'backend-b'],
    [{ 'x-served-by': ['web9', 'x'] }, '', 'web9'],
    [{}, '', undefined],
  ])('%j + %j → %s', (headers, body, want) => {
    expect(backendFrom(headers, body)).toBe(want);
  });
});

describe('load generator protocol and arguments', () => {
  it('round-trips options through the command line', () => {
    const opts = { url: 'http://10.199.0.100/', rate: 50, timeoutMs: 1500, durationMs: 3000, keepalive: 4, count: 10 };
    const back = parseLoadgenArgs(loadArgs(opts, { watchStdin: true }));
    expect(back).toEqual({ ...opts, watchStdin: true });
  });

  it('fills defaults: 200 req/s, 5 s timeout, a new connection per request', () => {
    expect(parseLoadgenArgs(['--url', 'http://10.199.0.1/'])).toMatchObject({ rate: 200, timeoutMs: 5000, keepalive: 0 });
  });

  it.each([[[]], [['--url', 'nope']], [['--url', 'http://x/', '--rate', '0']], [['--url', 'http://x/', '--rate', 'abc']]])(
    'rejects %j with exit code 4',
    (argv) => {
      try {
        parseLoadgenArgs(argv);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(HapbError);
        expect((e as HapbError).exitCode).toBe(4);
      }
    },
  );

  it('parses its JSON lines and ignores anything else', () => {
    expect(parseLoadLine('{"type":"req","seq":1,"scheduled":5,"started":5,"latency":1,"kind":"ok"}')).toMatchObject({ seq: 1 });
    expect(parseLoadLine('{"type":"end","sent":3,"stoppedEarly":false}')).toMatchObject({ type: 'end' });
    expect(parseLoadLine('loadgen t=1.0s')).toBeUndefined();
    expect(parseLoadLine('{"type":"other"}')).toBeUndefined();
    expect(parseLoadLine('{broken')).toBeUndefined();
  });
});

describe('TLS failures and handshakes', () => {
  it('TLS codes are told apart; the summary counts handshakes, resumed sessions and TLS failures', async () => {
    const { isTlsCode } = await import('../../src/drill/loadgen/classify.js');
    const { summarize } = await import('../../src/drill/summary.js');
    expect(['ERR_TLS_CERT_ALTNAME_INVALID', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'ERR_SSL_WRONG_VERSION_NUMBER', 'EPROTO'].every(isTlsCode)).toBe(true);
    expect(['ECONNRESET', 'ECONNREFUSED', 'HAPB_TIMEOUT', undefined].some(isTlsCode)).toBe(false);
    const base = { scheduled: 0, started: 0, latency: 1 };
    const s = summarize([
      { ...base, seq: 0, kind: 'ok', tls: 'full' },
      { ...base, seq: 1, kind: 'ok', tls: 'resumed' },
      { ...base, seq: 2, kind: 'ok' },
      { ...base, seq: 3, kind: 'other', code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' },
      { ...base, seq: 4, kind: 'reset', code: 'ECONNRESET' },
    ]);
    expect(s.tls).toEqual({ handshakes: 2, resumed: 1, failures: 1 });
    expect(summarize([{ ...base, seq: 0, kind: 'ok' }]).tls).toBeUndefined();
  });
});

/**
 * The HTTP side of the load generator, over undici. Two ways to connect:
 * - fresh (default): a new TCP connection per request (`pipelining: 0`), so every
 *   request does its own SYN to the VIP, as most API clients and curl do;
 * - keep-alive: N persistent connections like a browser; a request whose REUSED
 *   connection dies before any response byte is sent again once on a fresh
 *   connection (RFC 9112 §9.3.1), and the record says so.
 */
import diagnostics from 'node:diagnostics_channel';
import { Agent, Client, request, type Dispatcher } from 'undici';
import type { RequestRecord } from '../types.js';
import { backendFrom } from './backend.js';
import { classifyCode, classifyStatus, errorCode, isRetryableOnReuse } from './classify.js';

export interface ClientOptions {
  url: string;
  timeoutMs: number;
  /** number of persistent connections; 0 = a new connection per request */
  keepalive: number;
}

export interface HttpClient {
  /** make one request; never throws: the record says how it ended */
  send(seq: number, scheduled: number, t0: number): Promise<RequestRecord>;
  close(): Promise<void>;
}

interface Attempt {
  status?: number;
  backend?: string;
  code?: string;
}

const maxBody = 64 * 1024;

/** the header that ties undici's diagnostics messages to a request of ours */
const seqHeader = 'x-hapb-seq';
const seqPattern = new RegExp(`^${seqHeader}: (\\d+)\r?$`, 'im');

/**
 * When each request's connection was established and when its head was
 * written, from undici's diagnostics channels (`undici:client:connected`,
 * `undici:client:sendHeaders`). Times are performance.now(). A request sent
 * twice (keep-alive retry) keeps its last sending.
 */
export interface ConnectionTracker {
  of(seq: number): { connected?: number; sent: number } | undefined;
  close(): void;
}

export function trackConnections(): ConnectionTracker {
  const connectedAt = new WeakMap<object, number>();
  const bySeq = new Map<number, { connected?: number; sent: number }>();
  const onConnected = (msg: unknown): void => {
    const socket = (msg as { socket?: unknown }).socket;
    if (socket !== null && typeof socket === 'object') connectedAt.set(socket, performance.now());
  };
  const onSend = (msg: unknown): void => {
    const { headers, socket } = msg as { headers?: unknown; socket?: unknown };
    if (typeof headers !== 'string') return;
    const m = seqPattern.exec(headers);
    if (!m) return;
    const connected = socket !== null && typeof socket === 'object' ? connectedAt.get(socket) : undefined;
    bySeq.set(Number(m[1]), { sent: performance.now(), ...(connected !== undefined ? { connected } : {}) });
  };
  diagnostics.subscribe('undici:client:connected', onConnected);
  diagnostics.subscribe('undici:client:sendHeaders', onSend);
  return {
    of: (seq) => {
      const v = bySeq.get(seq);
      bySeq.delete(seq);
      return v;
    },
    close: () => {
      diagnostics.unsubscribe('undici:client:connected', onConnected);
      diagnostics.unsubscribe('undici:client:sendHeaders', onSend);
    },
  };
}

async function attempt(url: string, seq: number, dispatcher: Dispatcher, signal: AbortSignal): Promise<Attempt> {
  try {
    const headers = { 'user-agent': 'hapb-drill', [seqHeader]: String(seq) };
    const res = await request(url, { method: 'GET', dispatcher, signal, headers });
    let body = '';
    for await (const chunk of res.body) {
      if (body.length < maxBody) body += String(chunk);
    }
    const backend = backendFrom(res.headers, body);
    return { status: res.statusCode, ...(backend ? { backend } : {}) };
  } catch (err) {
    return { code: errorCode(err) };
  }
}

interface Conn {
  client: Client;
  connected: boolean;
  /** requests completed on the current connection */
  done: number;
  inFlight: number;
}

export function createClient(opts: ClientOptions): HttpClient {
  const origin = new URL(opts.url).origin;
  const timeouts = { headersTimeout: opts.timeoutMs, bodyTimeout: opts.timeoutMs, connectTimeout: opts.timeoutMs };
  const fresh = opts.keepalive > 0 ? undefined : new Agent({ ...timeouts, pipelining: 0 });
  const conns: Conn[] = [];
  const tracker = trackConnections();
  for (let i = 0; i < opts.keepalive; i++) {
    const client = new Client(origin, { ...timeouts, pipelining: 1, keepAliveTimeout: 60_000 });
    const conn: Conn = { client, connected: false, done: 0, inFlight: 0 };
    client.on('connect', () => {
      conn.connected = true;
      conn.done = 0;
    });
    client.on('disconnect', () => {
      conn.connected = false;
    });
    conns.push(conn);
  }
  let rr = 0;
  const pick = (): Conn => {
    let best: Conn | undefined;
    for (let k = 0; k < conns.length; k++) {
      const c = conns[(rr + k) % conns.length];
      if (c && (!best || c.inFlight < best.inFlight)) best = c;
    }
    rr++;
    if (!best) throw new Error('keep-alive client without connections');
    return best;
  };

  const send = async (seq: number, scheduled: number, t0: number): Promise<RequestRecord> => {
    const start = performance.now();
    const ac = new AbortController();
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    // the deadline answers at once; undici may take longer to give up a connect in progress
    const deadline = new Promise<Attempt>((resolve) => {
      timer = setTimeout(() => {
        timedOut = true;
        ac.abort();
        resolve({ code: 'HAPB_TIMEOUT' });
      }, opts.timeoutMs);
    });
    const within = (d: Dispatcher): Promise<Attempt> => Promise.race([attempt(opts.url, seq, d, ac.signal), deadline]);
    let result: Attempt;
    let retriedAfter: string | undefined;
    try {
      if (fresh) {
        result = await within(fresh);
      } else {
        const conn = pick();
        const reused = conn.connected && conn.done > 0;
        conn.inFlight++;
        try {
          result = await within(conn.client);
          if (result.code === undefined) conn.done++;
          else if (reused && !timedOut && isRetryableOnReuse(result.code)) {
            retriedAfter = result.code;
            // the dead socket is gone: the client opens a fresh connection for this one
            result = await within(conn.client);
            if (result.code === undefined) conn.done++;
          }
        } finally {
          conn.inFlight--;
        }
      }
    } finally {
      clearTimeout(timer);
    }
    const end = performance.now();
    const rec: RequestRecord = {
      seq,
      scheduled: round(scheduled),
      started: round(start - t0),
      latency: round(end - start),
      kind: 'ok',
    };
    if (timedOut && result.status === undefined) {
      rec.kind = 'timeout';
      rec.code = 'HAPB_TIMEOUT';
    } else if (result.code !== undefined) {
      rec.kind = classifyCode(result.code);
      rec.code = result.code;
    } else if (result.status !== undefined) {
      rec.status = result.status;
      rec.kind = classifyStatus(result.status);
    }
    if (result.backend !== undefined) rec.backend = result.backend;
    if (retriedAfter !== undefined) rec.retriedAfter = retriedAfter;
    const conn = tracker.of(seq);
    if (conn) {
      rec.sent = round(conn.sent - t0);
      if (conn.connected !== undefined) rec.connected = round(conn.connected - t0);
    }
    return rec;
  };

  return {
    send,
    close: async () => {
      await Promise.all([fresh?.destroy(), ...conns.map((c) => c.client.destroy())]);
      tracker.close();
    },
  };
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

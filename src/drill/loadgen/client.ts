/**
 * The HTTP side of the load generator, over undici. Two ways to connect:
 * - fresh (default): a new TCP connection per request (`pipelining: 0`), so every
 *   request does its own SYN to the VIP, as most API clients and curl do;
 * - keep-alive: N persistent connections like a browser; a request whose REUSED
 *   connection dies before any response byte is sent again once on a fresh
 *   connection (RFC 9112 §9.3.1), and the record says so.
 */
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

async function attempt(url: string, dispatcher: Dispatcher, signal: AbortSignal): Promise<Attempt> {
  try {
    const res = await request(url, { method: 'GET', dispatcher, signal, headers: { 'user-agent': 'hapb-drill' } });
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
    const within = (d: Dispatcher): Promise<Attempt> => Promise.race([attempt(opts.url, d, ac.signal), deadline]);
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
    return rec;
  };

  return {
    send,
    close: async () => {
      await Promise.all([fresh?.destroy(), ...conns.map((c) => c.client.destroy())]);
    },
  };
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

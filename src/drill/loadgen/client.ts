/**
 * The HTTP side of the load generator, over undici. Two ways to connect:
 * - fresh (default): a new TCP connection per request (`pipelining: 0`), so every
 *   request does its own SYN to the VIP, as most API clients and curl do;
 * - keep-alive: N persistent connections like a browser; a request whose REUSED
 *   connection dies before any response byte is sent again once on a fresh
 *   connection (RFC 9112 §9.3.1), and the record says so.
 * Over HTTPS every new connection offers the session of the last one (one
 * session per client, as a browser keeps one per origin): a server that
 * accepts it resumes, and the record says whether the handshake was full or
 * resumed.
 */
import diagnostics from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import tls, { type TLSSocket } from 'node:tls';
import { Agent, Client, errors, request, type buildConnector, type Dispatcher } from 'undici';
import type { RequestRecord } from '../types.js';
import { backendFrom } from './backend.js';
import { classifyCode, classifyStatus, errorCode, isRetryableOnReuse } from './classify.js';

export interface ClientOptions {
  url: string;
  timeoutMs: number;
  /** number of persistent connections; 0 = a new connection per request */
  keepalive: number;
  /** HTTPS: PEM file of the CA to trust */
  ca?: string;
}

/**
 * The HTTPS connector: node's tls.connect offering the last session any
 * connection of this client received (undici's own connector keeps sessions by
 * WeakRef, and learns them only after the handshake it reports). A TLS 1.3
 * ticket arrives after the handshake, so the listener is set before it.
 */
export function resumingConnector(opts: { ca?: string | undefined; timeoutMs: number }): buildConnector.connector {
  const ca = opts.ca !== undefined ? readFileSync(opts.ca) : undefined;
  let latest: Buffer | undefined;
  return (options, callback) => {
    const socket = tls.connect({
      host: options.hostname,
      port: Number(options.port) || 443,
      ...(isIP(options.hostname) ? {} : { servername: options.servername ?? options.hostname }),
      ...(ca ? { ca } : {}),
      ...(latest ? { session: latest } : {}),
      ALPNProtocols: ['http/1.1'],
    });
    socket.setNoDelay(true);
    socket.on('session', (s: Buffer) => (latest = s));
    // the TCP connection, before the handshake: a handshake cut short by a dying
    // director still connected to it (the error carries the time, see attempt())
    let tcpConnected: number | undefined;
    socket.once('connect', () => (tcpConnected = performance.now()));
    let done = false;
    const finish = (err: Error | undefined): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.off('error', finish);
      if (err) {
        socket.destroy();
        if (tcpConnected !== undefined) Object.assign(err, { [tcpConnectedKey]: tcpConnected });
        callback(err, null);
      } else callback(null, socket);
    };
    const timer = setTimeout(() => finish(new errors.ConnectTimeoutError(`connect to ${options.hostname} timed out`)), opts.timeoutMs);
    socket.once('secureConnect', () => finish(undefined));
    socket.once('error', finish);
  };
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
  /** a TLS handshake that failed after its TCP connection was made: when that was (performance.now()) */
  tcpConnected?: number;
}

/** the property of a connect error that carries the TCP connect time of a failed TLS handshake */
const tcpConnectedKey = 'hapbTcpConnected';

const maxBody = 64 * 1024;

/** a request this slow keeps its connection's port too (RequestRecord.port) */
const SLOW_MS = 1000;

/** the header that ties undici's diagnostics messages to a request of ours */
const seqHeader = 'x-hapb-seq';
const seqPattern = new RegExp(`^${seqHeader}: (\\d+)\r?$`, 'im');

/**
 * When each request's connection was established and when its head was
 * written, from undici's diagnostics channels (`undici:client:connected`,
 * `undici:client:sendHeaders`). Times are performance.now(). A request sent
 * twice (keep-alive retry) keeps its last sending.
 */
export interface ConnectionUse {
  connected?: number;
  sent: number;
  /** the client's TCP port of that connection */
  port?: number;
  /** the request was the first on a TLS connection: its handshake */
  tls?: 'full' | 'resumed';
}

export interface ConnectionTracker {
  of(seq: number): ConnectionUse | undefined;
  close(): void;
}

export function trackConnections(): ConnectionTracker {
  const connectedAt = new WeakMap<object, { t: number; tls?: 'full' | 'resumed' }>();
  const used = new WeakSet<object>();
  const bySeq = new Map<number, ConnectionUse>();
  const onConnected = (msg: unknown): void => {
    const socket = (msg as { socket?: unknown }).socket;
    if (socket === null || typeof socket !== 'object') return;
    const tlsSocket = 'isSessionReused' in socket ? (socket as TLSSocket) : undefined;
    connectedAt.set(socket, { t: performance.now(), ...(tlsSocket ? { tls: tlsSocket.isSessionReused() ? 'resumed' : 'full' } : {}) });
  };
  const onSend = (msg: unknown): void => {
    const { headers, socket } = msg as { headers?: unknown; socket?: unknown };
    if (typeof headers !== 'string') return;
    const m = seqPattern.exec(headers);
    if (!m) return;
    const sock = socket !== null && typeof socket === 'object' ? socket : undefined;
    const c = sock ? connectedAt.get(sock) : undefined;
    const first = sock !== undefined && !used.has(sock);
    if (sock) used.add(sock);
    const port = sock !== undefined ? (sock as { localPort?: unknown }).localPort : undefined;
    bySeq.set(Number(m[1]), {
      sent: performance.now(),
      ...(c ? { connected: c.t } : {}),
      ...(first && c?.tls ? { tls: c.tls } : {}),
      ...(typeof port === 'number' ? { port } : {}),
    });
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
    const tcp = err !== null && typeof err === 'object' ? (err as Record<string, unknown>)[tcpConnectedKey] : undefined;
    return { code: errorCode(err), ...(typeof tcp === 'number' ? { tcpConnected: tcp } : {}) };
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
  const https = new URL(opts.url).protocol === 'https:';
  const connect = https ? { connect: resumingConnector({ ca: opts.ca, timeoutMs: opts.timeoutMs }) } : {};
  const fresh = opts.keepalive > 0 ? undefined : new Agent({ ...timeouts, ...connect, pipelining: 0 });
  const conns: Conn[] = [];
  const tracker = trackConnections();
  for (let i = 0; i < opts.keepalive; i++) {
    const client = new Client(origin, { ...timeouts, ...connect, pipelining: 1, keepAliveTimeout: 60_000 });
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
      if (conn.tls !== undefined) rec.tls = conn.tls;
      // failed and slow requests only: what finds their connection in `ss` samples (tcp-backoff.ts)
      if (conn.port !== undefined && (rec.kind !== 'ok' || rec.latency >= SLOW_MS)) rec.port = conn.port;
    }
    if (rec.connected === undefined && result.tcpConnected !== undefined) rec.connected = round(result.tcpConnected - t0);
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

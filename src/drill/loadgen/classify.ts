/** Sort a failed request into the kinds a drill reports. */
import type { OutcomeKind } from '../types.js';

const refused = new Set(['ECONNREFUSED']);
const reset = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'ECONNABORTED']);
const timeout = new Set([
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'HAPB_TIMEOUT',
]);

/** The code of an error, looking through `cause` chains (undici wraps socket errors). */
export function errorCode(err: unknown): string {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e !== null && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR_ABORTED' && code !== 'ABORT_ERR') return code;
    const name = (e as { name?: unknown }).name;
    if (name === 'TimeoutError') return 'HAPB_TIMEOUT';
    e = (e as { cause?: unknown }).cause;
  }
  if (e !== null && typeof e === 'object') {
    const name = (e as { name?: unknown }).name;
    if (typeof name === 'string') return name;
  }
  return 'UNKNOWN';
}

export function classifyCode(code: string): OutcomeKind {
  if (refused.has(code)) return 'refused';
  if (reset.has(code)) return 'reset';
  if (timeout.has(code)) return 'timeout';
  return 'other';
}

/** certificate and handshake errors of node's TLS (OpenSSL's verify codes, ERR_TLS_*, ERR_SSL_*) */
const tlsCodes = new Set([
  'EPROTO',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
]);

/** a failure of TLS itself (reported as kind `other` with its code, and counted in the TLS summary) */
export function isTlsCode(code: string | undefined): boolean {
  return code !== undefined && (tlsCodes.has(code) || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_'));
}

/** 2xx and 3xx answers are successes; any other status is a failed request. */
export function classifyStatus(status: number): OutcomeKind {
  return status >= 200 && status < 400 ? 'ok' : 'http';
}

/**
 * Whether a failure on a reused keep-alive connection may be retried once on a
 * fresh one (RFC 9112 §9.3.1): only a connection that died before any response
 * byte, never a timeout or a refusal.
 */
export function isRetryableOnReuse(code: string): boolean {
  return reset.has(code) || code === 'UND_ERR_CLOSED';
}

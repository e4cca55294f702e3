/**
 * Requests that died with a director. When a director's nginx is killed, or
 * the director loses power or its link, every connection it held dies there:
 * the request was read into a process that is gone (or sits behind a dead
 * link), and the TCP state cannot be continued by the other director. With a
 * client that does not retry, no director configuration can answer such a
 * request. The drill still counts it as failed; it marks it so the verdict
 * can hold every OTHER failure to the target of 0 and report these apart.
 *
 * A failed request is marked only when all of these hold:
 * - its connection was established (the load generator saw it connect, via
 *   undici's diagnostics channel; over HTTPS a handshake cut short counts
 *   from its TCP connection) no later than the death's upper bound `t`;
 *   after a director dies no connection to it can be established (its
 *   listener or link is gone), so `t` may be taken a little late;
 * - at that moment the dying director held the VIP (the VIP watcher's view),
 *   i.e. the connection went to it;
 * - the request ended (failed) no earlier than the fault began (`from`).
 * The client's stamps run late when its event loop is busy (CI, 800 req/s):
 * undici reports a connection some ms after the kernel made it, so one made
 * before the death may be stamped after `t`. Such a request is still marked
 * when its connection was made for it, it began no later than `t`, its first
 * SYN was answered (connected within `FIRST_SYN_ANSWERED_MS` of its start:
 * the SYN the client retransmits after 1 s would go to whoever holds the VIP
 * then) and the dying director held the VIP when it began: that SYN reached
 * the dying director, and a connection to it can be made only before it died.
 * A request whose SYN was lost and never reached anyone, or that went to the
 * other director, is never marked.
 *
 * A reset (ECONNRESET) that came before the client stamped any connection was
 * still a connection: a reset answering a SYN is ECONNREFUSED, ECONNRESET is
 * a reset of an established connection (Linux tcp_reset), so the kernel made
 * it and the reset came before the busy client saw it connect (or send). Its
 * connection was made no later than the failure, which stands in for the
 * missing stamp, under the same rules.
 *
 * With several VIPs (active-active) each request is judged by the holders of
 * its own VIP (`vip` on the record and on the timeline's `vip` events).
 *
 * A hang (nginx stopped with SIGSTOP, `untilVipTaken`) is no death: the
 * kernel still completes every handshake for the frozen process, so a
 * connection made to the director at any moment until another director takes
 * the VIP (clients follow its gratuitous ARP; until then they still reach this
 * one, which keeps the VIP on lo) waits inside that process. How soon that
 * happens is the detection time, which the scenario judges (vipMovedWithin),
 * so the requests marked this way stay bounded by rate x detection time.
 */
import { holdersAt } from './assertions.js';
import { eventsThroughVip } from './per-vip.js';
import type { Death, RequestRecord, TimelineEvent } from './types.js';

export function deathOf(r: RequestRecord, allEvents: TimelineEvent[], deaths: readonly Death[]): Death | undefined {
  if (r.kind === 'ok') return undefined;
  const end = r.started + r.latency;
  const connected = r.connected ?? (resetBeforeStamp(r) ? end : undefined);
  if (connected === undefined) return undefined;
  const events = eventsThroughVip(allEvents, r.vip);
  return deaths.find((d) => {
    if (end < d.from) return false;
    const holders = holdersAt(events, connected);
    if (d.untilVipTaken !== true) return (connected <= d.t && holders.includes(d.host)) || seenLate(r, connected, d, events);
    // a hang: until another director takes the VIP, clients still reach this one (their
    // ARP entry, and the VIP it keeps on lo), also while its interface has no VIP
    return connected <= hangBound(d, events) && (holders.includes(d.host) || (holders.length === 0 && connected >= d.from));
  });
}

/** reset on a connection the client had not stamped yet: the kernel had established it (see above) */
function resetBeforeStamp(r: RequestRecord): boolean {
  return r.connected === undefined && r.kind === 'reset' && r.code === 'ECONNRESET';
}

/** the first SYN is retransmitted after 1 s (Linux's initial RTO): a connection made sooner was the answer to the first */
export const FIRST_SYN_ANSWERED_MS = 900;

/** made to the dying director before it died, but stamped by the client after the death's bound (see above) */
function seenLate(r: RequestRecord, connected: number, d: Death, events: TimelineEvent[]): boolean {
  // only a connection made for this request (a keep-alive one made earlier is judged by its own stamp)
  if (connected < r.started) return false;
  return r.started <= d.t && connected - r.started < FIRST_SYN_ANSWERED_MS && holdersAt(events, r.started).includes(d.host);
}

/** for a hang: the moment another director took the VIP after it began (or the death's `t` if none did) */
function hangBound(d: Death, events: TimelineEvent[]): number {
  const taken = events.find((e) => e.kind === 'vip' && e.t >= d.from && (e.holders ?? []).some((h) => h !== d.host));
  return taken ? Math.max(d.t, taken.t) : d.t;
}

/** set `lostWith` on every failed request that died with a director; returns how many */
export function markLostWithDeath(records: RequestRecord[], events: TimelineEvent[], deaths: readonly Death[]): number {
  let n = 0;
  for (const r of records) {
    delete r.lostWith;
    const d = deathOf(r, events, deaths);
    if (d) {
      r.lostWith = d.host;
      n++;
    }
  }
  return n;
}

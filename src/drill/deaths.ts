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
import type { Death, RequestRecord, TimelineEvent, Verdict } from './types.js';

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

/**
 * What one death took: the requests marked with it, and when all of them
 * were open to the director together. A director dies at one instant inside
 * its death's window [from, t], so the connection of every request inside it
 * then was open at that instant: from the request's start (or its keep-alive
 * connection's, when made earlier) to its end, as the client stamps a start
 * before a connection is made and an end after the failure came. Requests
 * marked with one death whose spans share no instant were not all inside the
 * director as it died: the marking took in too much. (A marked span always
 * begins by `t` and ends after `from`, so only that can go wrong.) A hang is
 * not one instant (every connection until the VIP moves goes in), so it is
 * not held to this.
 *
 * A machine that loses power or its link dies at one instant. nginx killed
 * or stopped does not quite: the signal reaches its processes one after the
 * other and each exits when it next runs, so a worker's connections die when
 * that worker exits, and those the kernel completed on the listener meanwhile
 * when the last process does: on a busy box, milliseconds apart, so one
 * request can be reset just before the next one begins, both with one kill.
 * Such a death's requests must share an instant give or take
 * NGINX_EXIT_SPREAD_MS.
 */
/** how far apart nginx's processes may die in one kill or stop (ms) */
export const NGINX_EXIT_SPREAD_MS = 20;

/** ms by which the requests of a death may miss one shared instant: nginx's processes die one by one */
export function exitSpreadOf(death: Death): number {
  return death.what.startsWith('nginx ') ? NGINX_EXIT_SPREAD_MS : 0;
}

export interface DeathTally {
  death: Death;
  /** the requests marked with this death, in record order */
  lost: RequestRecord[];
  /**
   * the span (ms since t0) of the death's window in which every one of them
   * was open to the director; for an nginx death whose requests miss one
   * instant by at most its exit spread, the stretch between the last start
   * and the first end (from > to then). Undefined when there is none.
   */
  together?: { from: number; to: number };
}

export function tallyDeaths(records: readonly RequestRecord[], events: TimelineEvent[], deaths: readonly Death[]): DeathTally[] {
  const tallies: DeathTally[] = deaths.map((death) => ({ death, lost: [] }));
  for (const r of records) {
    if (r.lostWith === undefined) continue;
    const d = deathOf(r, events, deaths);
    if (d) tallies[deaths.indexOf(d)]?.lost.push(r);
  }
  for (const x of tallies) {
    let from = x.death.from;
    let to = x.death.t;
    for (const r of x.lost) {
      from = Math.max(from, openedAt(r));
      to = Math.min(to, r.started + r.latency);
    }
    if (from <= to + exitSpreadOf(x.death)) x.together = { from, to };
  }
  return tallies;
}

/**
 * Judged: the requests set apart with each death (not a hang) were inside
 * the director together at one instant of its death (see DeathTally). Absent
 * when nothing died.
 */
export function deathsVerdicts(records: readonly RequestRecord[], events: TimelineEvent[], deaths: readonly Death[]): Verdict[] {
  const tallies = tallyDeaths(records, events, deaths).filter((x) => x.death.untilVipTaken !== true);
  if (tallies.length === 0) return [];
  const apart = tallies.filter((x) => x.lost.length > 0 && x.together === undefined);
  const most = Math.max(...tallies.map((x) => x.lost.length));
  const n = tallies.length;
  const actual =
    apart.length === 0
      ? `${n} death${n === 1 ? '' : 's'}, at most ${most} request${most === 1 ? '' : 's'} with one`
      : apart.map(describeApart).join('; ');
  return [
    {
      id: 'lost-with-death-at-one-instant',
      description: 'the requests set apart with each dying director were all inside it at one instant of its death',
      target: 'every death',
      actual,
      pass: apart.length === 0,
    },
  ];
}

/** the request's start, or its keep-alive connection's when that was made earlier */
function openedAt(r: RequestRecord): number {
  return Math.min(r.started, r.connected ?? r.started);
}

/** "nginx killed on lb1 at 3.200 s: #40 began at 3.310 s, after #12 ended at 3.250 s" */
function describeApart(x: DeathTally): string {
  const late = x.lost.reduce((a, r) => (openedAt(r) > openedAt(a) ? r : a));
  const early = x.lost.reduce((a, r) => (r.started + r.latency < a.started + a.latency ? r : a));
  return `${x.death.what} on ${x.death.host} at ${sec(x.death.from)}: #${late.seq} began at ${sec(openedAt(late))}, after #${early.seq} ended at ${sec(early.started + early.latency)}`;
}

/** ms since t0 to the ms: the stamps this compares can be a few ms apart */
function sec(ms: number): string {
  return `${(ms / 1000).toFixed(3)} s`;
}

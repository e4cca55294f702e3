/**
 * What the drill needs from a lab. The real adapter wraps src/lab (execIn,
 * poweroff, ...); tests and a dry run can give their own. Every method acts on
 * one machine by its inventory name (lb1, lb2, web1, web2, client).
 */
import type { ExecResult } from '../connection/types.js';
import type { LoadOptions, Profile, RequestRecord } from './types.js';
import type { NginxReadings } from './nginx-counters.js';

export type { ExecResult };

export interface LoadHandle {
  /** epoch ms of the load's t0 (known once the generator said `start`) */
  t0Epoch: Promise<number>;
  /** called for each record as it arrives */
  onRecord(cb: (r: RequestRecord) => void): void;
  /** stop early: the generator stops starting requests and ends the ones in flight */
  stop(): void;
  /** every record, once the generator has ended */
  done: Promise<RequestRecord[]>;
}

export interface LabTopology {
  /** the directors, in VRRP priority order (master first; active-active: the first VIP's order) */
  directors: [string, string, ...string[]];
  /** the web backends */
  backends: string[];
  /** the machine the load runs from */
  client: string;
  /** the virtual IP clients use */
  vip: string;
  /** the URL the load generator fetches (http://VIP/, or https://VIP/ with --https) */
  url: string;
  /** active-active: every VIP (`vip` first), each with its preferred director */
  vips?: { vip: string; url: string; preferred: string }[];
  /** HTTPS: the CA file the load generator trusts (the lab's) */
  ca?: string;
}

export interface LabControl {
  readonly name: string;
  readonly topology: LabTopology;
  /** run argv inside a machine; never throws for a non-zero rc */
  exec(host: string, argv: string[]): Promise<ExecResult>;
  /**
   * pull the plug: the machine stops at once, no clean shutdown; may resolve
   * to the epoch ms at which the machine went silent (its link gone)
   */
  poweroff(host: string): Promise<number | void>;
  /** boot it again and wait until it runs */
  poweron(host: string): Promise<void>;
  /** take a machine's link down (its packets vanish); may resolve to the epoch ms it went down */
  cut(host: string): Promise<number | void>;
  uncut(host: string): Promise<number | void>;
  /** split the network in two groups that cannot reach each other */
  partition(groupA: string[], groupB: string[]): Promise<void>;
  heal(): Promise<void>;
  /** the faults in place now, as the lab records them: machines off, links cut, a partition */
  faultsInPlace(): Promise<{ poweredOff: string[]; cut: string[]; partitioned: boolean }>;
  /** the directors that hold the VIP (default: topology.vip) right now (0, 1 or 2 of them) */
  vipHolders(vip?: string): Promise<string[]>;
  /**
   * optional: call `wake` whenever the directors' addresses may have changed
   * (e.g. from `ip monitor address`); returns the unsubscribe. Without it the
   * VIP is only polled.
   */
  onAddressChange?(wake: () => void): () => void;
  /**
   * the client kernel's count of retransmitted SYNs so far (TcpExt
   * TCPSynRetrans); without it, or when it cannot be read, the drill reports
   * no kernel count
   */
  clientSynRetrans?(): Promise<number | undefined>;
  /**
   * nginx's own request counters on every director (stub_status, labs up with
   * --monitor), by host; undefined where one cannot be read. Without it the
   * drill makes no cross-check against nginx (src/drill/nginx-counters.ts).
   */
  nginxCounters?(): Promise<NginxReadings>;
  /** start the load generator inside the client machine */
  startLoad(opts: LoadOptions): LoadHandle;
  /**
   * Bring the cluster to a profile's configuration (converge the playbook with
   * that profile) and to a healthy state: every machine on, every link up,
   * services running. The engine fills this in.
   */
  applyProfile(profile: Profile): Promise<void>;
}

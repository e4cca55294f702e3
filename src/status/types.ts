/** What `hapb status` finds on a cluster: the document `-o json` prints. */

/** One vrrp_instance as keepalived itself reports it (its JSON dump). */
export interface VrrpInstance {
  name: string;
  /** INIT, BACKUP, MASTER, FAULT, STOP, DELETED (or STATE_<n>) */
  state: string;
  /** the configured priority */
  basePriority: number;
  /** the priority after tracking weights: what it advertises */
  effectivePriority: number;
  /** the VIP addresses (no prefix) of the instance */
  vips: string[];
  /** times it became master / gave the VIP up since keepalived started */
  becameMaster: number;
  releasedMaster: number;
  /** unix time of the last state change */
  lastTransition?: number;
}

/** An upstream server as nginx is configured on a director (nginx -T). */
export interface UpstreamServer {
  upstream: string;
  address: string;
  port: number;
  maxFails: number;
  /** seconds */
  failTimeout: number;
  backup: boolean;
  down: boolean;
}

/** A backend as one director sees it. */
export interface BackendView {
  /** inventory name of the host with this address, when there is one */
  host?: string;
  address: string;
  port: number;
  upstream: string;
  /** up: it answers and nginx uses it; failed: it answers (or not) and nginx has marked it failed; down: it does not answer */
  state: 'up' | 'down' | 'failed';
  /** what the director's own probe got: "HTTP 200", "connection refused", "timeout" */
  probe: string;
  /** nginx counted max_fails failures within fail_timeout (read from its error log) */
  markedFailed: boolean;
  /** seconds since nginx last logged a failure of this server (within fail_timeout), if any */
  lastFailureAgo?: number;
  backup: boolean;
}

export interface CertificateInfo {
  path: string;
  subject?: string;
  /** ISO time */
  notAfter?: string;
  daysLeft?: number;
  error?: string;
}

export interface DirectorStatus {
  host: string;
  address?: string;
  reachable: boolean;
  error?: string;
  /** read as root (directly or through become): without it keepalived's state and nginx -t are unknown */
  privileged: boolean;
  keepalived: {
    /** systemctl is-active */
    active: string;
    instances: VrrpInstance[];
    error?: string;
  };
  nginx: {
    active: string;
    configValid: boolean;
    /** nginx -t's output when it failed */
    configTest?: string;
  };
  /** addresses held on a network interface (not lo) */
  addresses: string[];
  backends: BackendView[];
  certificates: CertificateInfo[];
}

export interface BackendHostStatus {
  host: string;
  address?: string;
  reachable: boolean;
  error?: string;
  /** systemctl is-active nginx */
  nginx: string;
}

export interface VipStatus {
  vip: string;
  holders: string[];
  /** ok: one holder; none: nobody; split-brain: more than one */
  state: 'ok' | 'none' | 'split-brain';
}

export interface DriftStatus {
  /** per host: what a check-mode converge would change ("role : task") */
  changes: Record<string, string[]>;
  /** per host: a task that failed or the host unreachable in the check-mode converge */
  errors: Record<string, string>;
  playbook: string;
  error?: string;
}

export interface ClusterStatus {
  inventory: string;
  /** ISO time the status was taken */
  time: string;
  healthy: boolean;
  /** why it is not healthy, one line each */
  problems: string[];
  vips: VipStatus[];
  directors: DirectorStatus[];
  backends: BackendHostStatus[];
  /** absent with --no-drift */
  drift?: DriftStatus;
}

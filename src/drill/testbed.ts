/**
 * A sealed two-namespace testbed for the load generator: a client namespace and
 * a server namespace joined by one veth (10.199.0.1 ↔ 10.199.0.2), with Debian's
 * nginx started by PID in the server namespace. Nothing is attached to the root
 * namespace; every name carries the caller's unique tag. Used by the integration
 * tests and the bench; needs root, iproute2 and nginx.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CommandFailedError } from '../lab/errors.js';
import { runSync, start } from '../lab/run.js';

/** run argv; its stdout, or a CommandFailedError (argv, rc, stderr) */
export function sh(argv: string[]): string {
  const r = runSync(argv);
  if (r.rc !== 0) throw new CommandFailedError(argv, r.rc, r.stderr || r.stdout);
  return r.stdout;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** HTTPS for the testbed's nginx: certificate, key, session ticket key files (the first encrypts) */
export interface TestbedTls {
  cert: string;
  key: string;
  ticketKeys: string[];
  port?: number;
}

export class Testbed {
  readonly nsClient: string;
  readonly nsServer: string;
  readonly clientAddr = '10.199.0.1';
  readonly serverAddr = '10.199.0.2';
  readonly url: string;
  readonly tmp: string;
  private readonly vethC: string;
  private readonly vethS: string;
  private nginx: ChildProcess | undefined;

  /** `tag` must be unique per process, e.g. hapb-t-drill-<pid> */
  constructor(readonly tag: string) {
    this.nsClient = `${tag}-c`;
    this.nsServer = `${tag}-s`;
    const suffix = String(process.pid);
    this.vethC = `hdc${suffix}`.slice(0, 15);
    this.vethS = `hds${suffix}`.slice(0, 15);
    this.url = `http://${this.serverAddr}/`;
    this.tmp = join('/tmp', tag);
  }

  /** argv prefix that runs a command in the client namespace */
  get clientPrefix(): string[] {
    return ['ip', 'netns', 'exec', this.nsClient];
  }

  inServer(argv: string[]): string {
    return sh(['ip', 'netns', 'exec', this.nsServer, ...argv]);
  }

  inClient(argv: string[]): string {
    return sh([...this.clientPrefix, ...argv]);
  }

  async create(): Promise<void> {
    mkdirSync(this.tmp, { recursive: true });
    sh(['ip', 'netns', 'add', this.nsClient]);
    sh(['ip', 'netns', 'add', this.nsServer]);
    sh(['ip', '-n', this.nsClient, 'link', 'add', this.vethC, 'type', 'veth', 'peer', 'name', this.vethS, 'netns', this.nsServer]);
    sh(['ip', '-n', this.nsClient, 'addr', 'add', `${this.clientAddr}/24`, 'dev', this.vethC]);
    sh(['ip', '-n', this.nsServer, 'addr', 'add', `${this.serverAddr}/24`, 'dev', this.vethS]);
    for (const [ns, dev] of [
      [this.nsClient, this.vethC],
      [this.nsServer, this.vethS],
    ] as const) {
      sh(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
      sh(['ip', '-n', ns, 'link', 'set', dev, 'up']);
    }
  }

  /** https://<server>:<port>/ (see startNginx's `tls`) */
  httpsUrl(port = 443): string {
    return `https://${this.serverAddr}:${port}/`;
  }

  /**
   * nginx answering `hello from <backend>` with an X-Backend header, on port 80
   * and, with `tls`, over HTTPS on `tls.port` (443) with the given certificate,
   * key and session ticket key files (the first encrypts).
   */
  async startNginx(backend = 'web1', tls?: TestbedTls): Promise<void> {
    const conf = this.writeNginxConf(backend, tls);
    // ip netns exec execs nginx in place: the child's PID is nginx's master
    this.nginx = start(['ip', 'netns', 'exec', this.nsServer, 'nginx', '-c', conf, '-g', 'daemon off;'], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      if (this.inServer(['ss', '-ltnH', 'sport = :80']).includes(':80')) return;
      await sleep(50);
    }
    throw new Error('nginx did not listen');
  }

  /** a new configuration for the running nginx (SIGHUP to its master): new connections get it */
  async reloadNginx(backend = 'web1', tls?: TestbedTls): Promise<void> {
    const pid = this.nginx?.pid;
    if (pid === undefined) throw new Error('nginx is not running');
    this.writeNginxConf(backend, tls);
    process.kill(pid, 'SIGHUP');
    await sleep(300);
  }

  private writeNginxConf(backend: string, tls: TestbedTls | undefined): string {
    const t = this.tmp;
    const tlsServer = tls
      ? [
          `  server { listen ${this.serverAddr}:${tls.port ?? 443} ssl backlog=4096; ssl_certificate ${tls.cert}; ssl_certificate_key ${tls.key};`,
          `    ssl_protocols TLSv1.2 TLSv1.3; ssl_session_tickets on; ${tls.ticketKeys.map((k) => `ssl_session_ticket_key ${k};`).join(' ')}`,
          `    location / { add_header X-Backend ${backend}; return 200 "hello from ${backend}\\n"; } }`,
        ]
      : [];
    const conf = join(t, 'nginx.conf');
    writeFileSync(
      conf,
      [
        'worker_processes 1;',
        `pid ${join(t, 'nginx.pid')};`,
        `error_log ${join(t, 'error.log')} warn;`,
        'events { worker_connections 4096; }',
        'http {',
        '  access_log off;',
        `  client_body_temp_path ${t}/body; proxy_temp_path ${t}/proxy; fastcgi_temp_path ${t}/fcgi;`,
        `  uwsgi_temp_path ${t}/uwsgi; scgi_temp_path ${t}/scgi;`,
        `  server { listen ${this.serverAddr}:80 backlog=4096; location / { add_header X-Backend ${backend}; return 200 "hello from ${backend}\\n"; } }`,
        ...tlsServer,
        '}',
        '',
      ].join('\n'),
    );
    return conf;
  }

  /** SIGTERM to our nginx master by PID; resolves once it has exited */
  async stopNginx(): Promise<void> {
    const p = this.nginx;
    this.nginx = undefined;
    if (!p || p.exitCode !== null || p.pid === undefined) return;
    const exited = new Promise((r) => p.once('exit', r));
    process.kill(p.pid, 'SIGTERM');
    await exited;
  }

  async destroy(): Promise<void> {
    await this.stopNginx().catch(() => undefined);
    for (const ns of [this.nsClient, this.nsServer]) {
      try {
        sh(['ip', 'netns', 'del', ns]);
      } catch {
        // already gone
      }
    }
    rmSync(this.tmp, { recursive: true, force: true });
  }
}

/** compile the project into `outDir` (inside the repository, so node finds node_modules); returns the load generator's path */
export function buildLoadgen(repo: string, outDir: string): string {
  sh(['npx', 'tsc', '-p', join(repo, 'tsconfig.build.json'), '--outDir', outDir]);
  return join(outDir, 'drill', 'loadgen', 'main.js');
}

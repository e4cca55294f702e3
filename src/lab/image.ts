/**
 * The shared machine image: a Debian bookworm tree built once with debootstrap,
 * cached under /var/lib/hapb/images/<hash>, where the hash covers everything
 * that decides its content (suite, variant, packages, post-build script).
 * It is built in a temp dir and renamed when complete: never a half image.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { imagesDir } from './paths.js';
import { runOk } from './run.js';
import { LabError } from './errors.js';
import { IMAGE_TOOLS, requireHostTools } from './host-tools.js';
import { withPidFile } from './lock.js';

export const IMAGE_SUITE = 'bookworm';
export const IMAGE_VARIANT = 'minbase';
export const IMAGE_PACKAGES: readonly string[] = [
  'systemd',
  'systemd-sysv',
  'dbus',
  'openssh-server',
  'nginx-light',
  'keepalived',
  'iproute2',
  'nftables',
  'curl',
  'procps',
  'sudo',
  'psmisc',
  'iputils-ping',
  // /etc/protocols and /etc/services, as on every real Debian host
  'netbase',
];

/**
 * Runs inside the fresh tree (chroot). Services the converge owns are disabled;
 * identity (machine-id, host keys) is removed so every clone gets its own.
 */
export const IMAGE_POST_SCRIPT = `set -e
systemctl disable nginx.service keepalived.service
# systemd is PID 1: the SysV scripts only make every systemctl enable run
# Debian's slow update-rc.d (about 0.6 s each, measured by bench/lab.ts)
rm -f /etc/init.d/nginx /etc/init.d/keepalived
systemctl enable ssh.service
systemctl mask console-getty.service getty@tty1.service systemd-networkd-wait-online.service apt-daily.timer apt-daily-upgrade.timer
rm -f /etc/ssh/ssh_host_*
: > /etc/machine-id
rm -f /var/lib/dbus/machine-id
printf 'PermitRootLogin prohibit-password\\nUseDNS no\\n' > /etc/ssh/sshd_config.d/hapb-lab.conf
apt-get clean
rm -rf /var/lib/apt/lists/* /var/log/*.log
`;

/**
 * What real Ansible needs on a managed host (`lab up --python`): Python for
 * its modules and python3-apt for `ansible.builtin.package`/`apt` on Debian
 * (Ansible's apt module would otherwise try to install it, and the lab has no
 * route to a mirror). hapb itself needs neither, so the default image has none.
 */
export const PYTHON_PACKAGES: readonly string[] = ['python3', 'python3-apt'];

export interface ImageRecipe {
  suite: string;
  variant: string;
  packages: readonly string[];
  postScript: string;
}

export const defaultRecipe: ImageRecipe = {
  suite: IMAGE_SUITE,
  variant: IMAGE_VARIANT,
  packages: IMAGE_PACKAGES,
  postScript: IMAGE_POST_SCRIPT,
};

/**
 * What `lab up --monitor` needs: Debian's exporters on every machine (the
 * roles start them when their metrics variable is on; mtail counts nginx's
 * responses by status from its access log) and Debian's Prometheus (run on
 * the client). The lab has no route to a mirror, so they come with the
 * image; the default image stays without them (a smaller image, and no rebuild
 * of every cached lab image).
 */
export const MONITOR_PACKAGES: readonly string[] = ['prometheus', 'prometheus-nginx-exporter', 'prometheus-node-exporter', 'mtail'];

/** the package scripts enable them; the converge (exporters) and `lab up --monitor` (Prometheus) start them */
export const MONITOR_POST_SCRIPT = `set -e
systemctl disable prometheus.service prometheus-node-exporter.service prometheus-nginx-exporter.service mtail.service
rm -f /etc/init.d/prometheus /etc/init.d/prometheus-node-exporter /etc/init.d/prometheus-nginx-exporter /etc/init.d/mtail
`;

/**
 * The recipe of a lab's image: the default one, with Python for real Ansible,
 * and/or with the monitoring packages; each combination has its own hash, so
 * its own cached image.
 */
export function labRecipe(opts: { python?: boolean; monitor?: boolean } = {}): ImageRecipe {
  if (!opts.python && !opts.monitor) return defaultRecipe;
  return {
    ...defaultRecipe,
    packages: [...defaultRecipe.packages, ...(opts.python ? PYTHON_PACKAGES : []), ...(opts.monitor ? MONITOR_PACKAGES : [])],
    // before the default script, which ends by cleaning apt's caches and the logs
    postScript: opts.monitor ? `${MONITOR_POST_SCRIPT}${defaultRecipe.postScript}` : defaultRecipe.postScript,
  };
}

/** Content hash of a recipe: the cache key. Package order does not matter. */
export function recipeHash(recipe: ImageRecipe): string {
  const canonical = JSON.stringify({
    suite: recipe.suite,
    variant: recipe.variant,
    packages: [...recipe.packages].sort(),
    postScript: recipe.postScript,
  });
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

/**
 * The Debian mirror apt already uses: the first deb URI serving `suite`, from
 * deb822 .sources files or one-line sources.list. Falls back to deb.debian.org.
 */
export function parseMirror(files: { name: string; text: string }[], suite: string): string | undefined {
  for (const { name, text } of files) {
    if (name.endsWith('.sources')) {
      for (const stanza of text.split(/\n\s*\n/)) {
        const field = (key: string): string | undefined =>
          new RegExp(`^${key}:\\s*(.+)$`, 'mi').exec(stanza)?.[1]?.trim();
        const types = field('Types') ?? '';
        const suites = (field('Suites') ?? '').split(/\s+/);
        const uri = (field('URIs') ?? '').split(/\s+/)[0];
        if (types.split(/\s+/).includes('deb') && suites.includes(suite) && uri) return uri;
      }
    } else {
      for (const raw of text.split('\n')) {
        const line = raw.replace(/#.*/, '').trim();
        const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line);
        if (m && m[2] === suite && m[1]) return m[1];
      }
    }
  }
  return undefined;
}

export function aptMirror(suite = IMAGE_SUITE): string {
  const files: { name: string; text: string }[] = [];
  const dir = '/etc/apt/sources.list.d';
  if (existsSync(dir)) {
    for (const name of readdirSync(dir).sort()) {
      if (name.endsWith('.sources') || name.endsWith('.list')) files.push({ name, text: readFileSync(join(dir, name), 'utf8') });
    }
  }
  if (existsSync('/etc/apt/sources.list')) files.unshift({ name: 'sources.list', text: readFileSync('/etc/apt/sources.list', 'utf8') });
  return parseMirror(files, suite) ?? 'http://deb.debian.org/debian';
}

export interface BuildOptions {
  rebuild?: boolean;
  /** labs whose machines run on an image: a rebuild must not pull it from under them */
  inUse?: (hash: string) => string[];
  recipe?: ImageRecipe;
  /** one line per step, for the progress display */
  onProgress?: (line: string) => void;
}

export interface Image {
  hash: string;
  root: string;
  /** true when it was built now, false when it came from the cache */
  built: boolean;
}

const MARKER = '.hapb-image.json';

export function imagePath(hash: string): string {
  return join(imagesDir(), hash);
}

/** Is a complete image with this hash cached? */
export function imageReady(hash: string): boolean {
  return existsSync(join(imagePath(hash), MARKER));
}

/** Return the cached image, building it first when missing or when `rebuild`. */
export async function ensureImage(opts: BuildOptions = {}): Promise<Image> {
  const recipe = opts.recipe ?? defaultRecipe;
  const hash = recipeHash(recipe);
  const progress = opts.onProgress ?? ((): void => undefined);
  if (imageReady(hash) && !opts.rebuild) return { hash, root: imagePath(hash), built: false };
  requireHostTools(IMAGE_TOOLS);
  await mkdir(imagesDir(), { recursive: true });
  // one build of an image at a time: another process building it (a second lab up, or scripts/test.sh
  // building the tests' images ahead) is waited for, and its image used
  return withPidFile(join(imagesDir(), `.build-${hash}.lock`), () => buildImage(recipe, hash, opts, progress), {
    timeoutMs: 60 * 60_000,
    pollMs: 500,
    onWait: (owner) => progress(`waiting for process ${owner}, which is building image ${hash}`),
    busy: (owner, file) => new LabError(`image ${hash}: process ${owner} has been building it for an hour (${file})`, { hint: `if it hangs, end it: kill ${owner}` }),
  });
}

async function buildImage(recipe: ImageRecipe, hash: string, opts: BuildOptions, progress: (line: string) => void): Promise<Image> {
  const root = imagePath(hash);
  // built meanwhile by the process this one waited for
  if (imageReady(hash) && !opts.rebuild) return { hash, root, built: false };
  const users = existsSync(root) ? (opts.inUse?.(hash) ?? []) : [];
  if (users.length > 0) {
    throw new LabError(`cannot rebuild image ${hash}: lab ${users.join(', ')} runs on it`, {
      hint: users.map((u) => `hapb lab down --name ${u}`).join('; '),
    });
  }

  const tmp = join(imagesDir(), `.tmp-${hash}-${process.pid}`);
  await rm(tmp, { recursive: true, force: true });
  const mirror = aptMirror(recipe.suite);
  try {
    progress(`debootstrap ${recipe.suite} from ${mirror}`);
    const onLine = (l: string): void => {
      if (/^I: (Retriev|Validat|Extract|Install|Unpack|Configur|Base system)/.test(l)) progress(l.slice(3));
    };
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C' };
    // In two stages, so that dpkg installs without an fsync per file (force-unsafe-io):
    // a build that breaks off is thrown away whole (it is a temporary tree until the
    // rename below), and the syncs only slowed the build and every process on the box
    // writing meanwhile (the tests, when scripts/test.sh builds ahead).
    await runOk(['debootstrap', '--foreign', `--variant=${recipe.variant}`, `--include=${recipe.packages.join(',')}`, recipe.suite, tmp, mirror], { env, onLine });
    await mkdir(join(tmp, UNSAFE_IO_DIR), { recursive: true });
    await writeFile(join(tmp, UNSAFE_IO_DIR, UNSAFE_IO_FILE), 'force-unsafe-io\n');
    await runOk(['chroot', tmp, '/debootstrap/debootstrap', '--second-stage'], { env: { ...env, PATH: '/usr/sbin:/usr/bin:/sbin:/bin' }, onLine });
    await rm(join(tmp, UNSAFE_IO_DIR, UNSAFE_IO_FILE));
    progress('configuring the image');
    await runOk(['chroot', tmp, '/bin/sh', '-c', recipe.postScript], {
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C', DEBIAN_FRONTEND: 'noninteractive' },
    });
    killChrootedProcesses(tmp);
    await writeFile(join(tmp, MARKER), JSON.stringify({ hash, recipe, mirror, built: new Date().toISOString() }, null, 2));
    if (!opts.rebuild && imageReady(hash)) {
      // another process built the same image meanwhile: keep theirs (a lab may already sit on it)
      await rm(tmp, { recursive: true, force: true });
      return { hash, root, built: false };
    }
    if (existsSync(root)) {
      const old = join(imagesDir(), `.old-${hash}-${process.pid}`);
      await rename(root, old);
      await rm(old, { recursive: true, force: true });
    }
    await rename(tmp, root);
    progress(`image ${hash} ready`);
    return { hash, root, built: true };
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** dpkg's configuration folder in the tree, and the file that turns its syncs off while the image is built */
const UNSAFE_IO_DIR = 'etc/dpkg/dpkg.cfg.d';
const UNSAFE_IO_FILE = 'hapb-image-build-unsafe-io';

/**
 * A package script that started a daemon in the build chroot would leave it
 * running on the box (debootstrap blocks this; this makes sure): end every
 * process whose root is the tree being built. They are ours by construction.
 */
function killChrootedProcesses(root: string): void {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/root`) === root) process.kill(Number(entry), 'SIGKILL');
    } catch {
      // gone, or not ours to read
    }
  }
}

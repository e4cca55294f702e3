/**
 * Distribution facts from /etc/os-release (plus /etc/debian_version and
 * /etc/redhat-release for the full version), with Ansible's names and values.
 */

/** Parse os-release's KEY=value lines (values may be quoted). */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!m || m[1] === undefined || m[2] === undefined) continue;
    let v = m[2].trim();
    if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) {
      v = v.slice(1, -1).replace(/\\(["'$`\\])/g, '$1');
    }
    out[m[1]] = v;
  }
  return out;
}

/** os-release ID → Ansible's ansible_distribution */
const DISTRIBUTION_NAMES: Record<string, string> = {
  debian: 'Debian',
  ubuntu: 'Ubuntu',
  linuxmint: 'Linux Mint',
  raspbian: 'Debian',
  devuan: 'Devuan',
  kali: 'Kali',
  pop: 'Pop!_OS',
  rhel: 'RedHat',
  centos: 'CentOS',
  rocky: 'Rocky',
  almalinux: 'AlmaLinux',
  fedora: 'Fedora',
  ol: 'OracleLinux',
  amzn: 'Amazon',
  cloudlinux: 'CloudLinux',
  scientific: 'Scientific',
  sles: 'SLES',
  'opensuse-leap': 'openSUSE Leap',
  'opensuse-tumbleweed': 'openSUSE Tumbleweed',
  alpine: 'Alpine',
  arch: 'Archlinux',
};

const FAMILY: Record<string, string> = {
  debian: 'Debian',
  ubuntu: 'Debian',
  linuxmint: 'Debian',
  raspbian: 'Debian',
  devuan: 'Debian',
  kali: 'Debian',
  pop: 'Debian',
  rhel: 'RedHat',
  centos: 'RedHat',
  rocky: 'RedHat',
  almalinux: 'RedHat',
  fedora: 'RedHat',
  ol: 'RedHat',
  amzn: 'RedHat',
  cloudlinux: 'RedHat',
  scientific: 'RedHat',
  sles: 'Suse',
  'opensuse-leap': 'Suse',
  'opensuse-tumbleweed': 'Suse',
  alpine: 'Alpine',
  arch: 'Archlinux',
};

export interface DistributionFacts {
  distribution: string;
  distribution_version: string;
  distribution_major_version: string;
  distribution_release: string;
  os_family: string;
}

export interface DistributionInput {
  osRelease: string;
  debianVersion?: string;
  redhatRelease?: string;
}

export function distributionFacts(input: DistributionInput): DistributionFacts {
  const os = parseOsRelease(input.osRelease);
  const id = (os.ID ?? '').toLowerCase();
  const like = (os.ID_LIKE ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  const distribution = DISTRIBUTION_NAMES[id] ?? (os.NAME ? os.NAME.split(' ')[0] ?? 'Unknown' : 'Unknown');
  let family = FAMILY[id];
  if (!family) {
    if (like.includes('debian') || like.includes('ubuntu')) family = 'Debian';
    else if (like.some((l) => ['rhel', 'fedora', 'centos'].includes(l))) family = 'RedHat';
    else if (like.some((l) => l.startsWith('suse'))) family = 'Suse';
    else family = distribution;
  }

  let version = os.VERSION_ID ?? '';
  const debianVersion = (input.debianVersion ?? '').trim();
  if (id === 'debian' && /^\d+(\.\d+)*$/.test(debianVersion)) version = debianVersion;
  const rhMatch = /release (\d+(?:\.\d+)*)/.exec(input.redhatRelease ?? '');
  if (family === 'RedHat' && !version.includes('.') && rhMatch?.[1] && rhMatch[1].split('.')[0] === version) {
    version = rhMatch[1].split('.').slice(0, 2).join('.');
  }
  if (!version && rhMatch?.[1]) version = rhMatch[1];

  const rhCodename = /\(([^)]+)\)\s*$/.exec((input.redhatRelease ?? '').trim())?.[1];
  const release = os.VERSION_CODENAME || os.UBUNTU_CODENAME || rhCodename || '';
  return {
    distribution,
    distribution_version: version,
    distribution_major_version: version.split('.')[0] ?? '',
    distribution_release: release,
    os_family: family,
  };
}

/** Ansible's ansible_pkg_mgr from the package tools found on the host. */
export function pkgMgr(family: string, found: readonly string[]): string {
  const has = (t: string): boolean => found.includes(t);
  switch (family) {
    case 'Debian':
      return has('apt-get') ? 'apt' : 'unknown';
    case 'RedHat':
      if (has('dnf')) return 'dnf';
      if (has('dnf5')) return 'dnf5';
      return has('yum') ? 'yum' : 'unknown';
    case 'Suse':
      return has('zypper') ? 'zypper' : 'unknown';
    case 'Alpine':
      return has('apk') ? 'apk' : 'unknown';
    case 'Archlinux':
      return has('pacman') ? 'pacman' : 'unknown';
    default: {
      const order: [string, string][] = [
        ['apt-get', 'apt'],
        ['dnf', 'dnf'],
        ['yum', 'yum'],
        ['zypper', 'zypper'],
        ['apk', 'apk'],
        ['pacman', 'pacman'],
      ];
      return order.find(([t]) => has(t))?.[1] ?? 'unknown';
    }
  }
}

/** Ansible's ansible_service_mgr: systemd when /run/systemd/system exists, else PID 1's name. */
export function serviceMgr(systemdRunDir: boolean, pid1Comm: string): string {
  if (systemdRunDir) return 'systemd';
  const comm = pid1Comm.trim();
  if (comm === 'systemd') return 'systemd';
  if (comm === 'init' || comm === '') return 'sysvinit';
  if (comm === 'openrc-init') return 'openrc';
  return comm;
}

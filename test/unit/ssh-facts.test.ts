/**
 * Fact parsing from captured outputs: os-release of the distributions hapb
 * targets, and `ip -j` output captured in a network namespace on Debian 12
 * (iproute2 6.1).
 */
import { describe, expect, it } from 'vitest';
import { factsToVars, parseFacts, splitSections } from '../../src/facts/gather.js';
import { ipTextToJson, routeTextToJson } from '../../src/facts/ip-text.js';
import { interfaceFactKey, networkFacts, prefixToNetmask } from '../../src/facts/network.js';
import { distributionFacts, parseOsRelease, pkgMgr, serviceMgr } from '../../src/facts/os.js';

const DEBIAN_12 = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"`;

const UBUNTU_2204 = `PRETTY_NAME="Ubuntu 22.04.4 LTS"
NAME="Ubuntu"
VERSION_ID="22.04"
VERSION="22.04.4 LTS (Jammy Jellyfish)"
VERSION_CODENAME=jammy
ID=ubuntu
ID_LIKE=debian
UBUNTU_CODENAME=jammy`;

const ROCKY_93 = `NAME="Rocky Linux"
VERSION="9.3 (Blue Onyx)"
ID="rocky"
ID_LIKE="rhel centos fedora"
VERSION_ID="9.3"
PLATFORM_ID="platform:el9"
PRETTY_NAME="Rocky Linux 9.3 (Blue Onyx)"`;

const CENTOS_7 = `NAME="CentOS Linux"
VERSION="7 (Core)"
ID="centos"
ID_LIKE="rhel fedora"
VERSION_ID="7"
PRETTY_NAME="CentOS Linux 7 (Core)"`;

const RHEL_810 = `NAME="Red Hat Enterprise Linux"
VERSION="8.10 (Ootpa)"
ID="rhel"
ID_LIKE="fedora"
VERSION_ID="8.10"
PRETTY_NAME="Red Hat Enterprise Linux 8.10 (Ootpa)"`;

const ALMA_9 = `NAME="AlmaLinux"
VERSION="9.4 (Seafoam Ocelot)"
ID="almalinux"
ID_LIKE="rhel centos fedora"
VERSION_ID="9.4"`;

const FEDORA_40 = `NAME="Fedora Linux"
VERSION="40 (Server Edition)"
ID=fedora
VERSION_ID=40
VERSION_CODENAME=""`;

const UNKNOWN_DEB = `NAME="Frobnix"
ID=frobnix
ID_LIKE=debian
VERSION_ID="3.1"`;

/** `ip -j addr show` in a namespace with lo, a veth pair and a secondary address */
const IP_ADDR = `[{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP","LOWER_UP"],"mtu":65536,"qdisc":"noqueue","operstate":"UNKNOWN","group":"default","txqlen":1000,"link_type":"loopback","address":"00:00:00:00:00:00","broadcast":"00:00:00:00:00:00","addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8,"scope":"host","label":"lo","valid_life_time":4294967295,"preferred_life_time":4294967295},{"family":"inet6","local":"::1","prefixlen":128,"scope":"host","valid_life_time":4294967295,"preferred_life_time":4294967295}]},{"ifindex":2,"link":"hv-a","ifname":"hv1","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,"qdisc":"noqueue","operstate":"UP","group":"default","txqlen":1000,"link_type":"ether","address":"ae:46:11:c2:ad:49","broadcast":"ff:ff:ff:ff:ff:ff","addr_info":[{"family":"inet","local":"10.213.8.1","prefixlen":16,"scope":"global","label":"hv1","valid_life_time":4294967295,"preferred_life_time":4294967295},{"family":"inet6","local":"fe80::ac46:11ff:fec2:ad49","prefixlen":64,"scope":"link","valid_life_time":4294967295,"preferred_life_time":4294967295}]},{"ifindex":3,"link":"hv1","ifname":"hv-a","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,"qdisc":"noqueue","operstate":"UP","group":"default","txqlen":1000,"link_type":"ether","address":"4e:a3:e1:cb:a2:97","broadcast":"ff:ff:ff:ff:ff:ff","addr_info":[{"family":"inet","local":"10.213.7.1","prefixlen":24,"scope":"global","label":"hv-a","valid_life_time":4294967295,"preferred_life_time":4294967295},{"family":"inet","local":"10.213.7.50","prefixlen":24,"scope":"global","secondary":true,"label":"hv-a","valid_life_time":4294967295,"preferred_life_time":4294967295},{"family":"inet6","local":"fe80::4ca3:e1ff:fecb:a297","prefixlen":64,"scope":"link","valid_life_time":4294967295,"preferred_life_time":4294967295}]}]`;
const ROUTE4 = `[{"dst":"default","gateway":"10.213.7.254","dev":"hv-a","flags":[]}]`;

describe('os-release', () => {
  it('reads quoted and unquoted values', () => {
    expect(parseOsRelease('A="x y"\nB=plain\n# c\nC=\'q\'\nD="say \\"hi\\""')).toEqual({
      A: 'x y',
      B: 'plain',
      C: 'q',
      D: 'say "hi"',
    });
  });

  it.each([
    ['Debian 12', { osRelease: DEBIAN_12, debianVersion: '12.11' }, ['Debian', 'Debian', '12.11', '12', 'bookworm']],
    ['Debian testing', { osRelease: DEBIAN_12, debianVersion: 'trixie/sid' }, ['Debian', 'Debian', '12', '12', 'bookworm']],
    ['Ubuntu 22.04', { osRelease: UBUNTU_2204 }, ['Ubuntu', 'Debian', '22.04', '22', 'jammy']],
    ['Rocky 9.3', { osRelease: ROCKY_93, redhatRelease: 'Rocky Linux release 9.3 (Blue Onyx)' }, ['Rocky', 'RedHat', '9.3', '9', 'Blue Onyx']],
    ['CentOS 7', { osRelease: CENTOS_7, redhatRelease: 'CentOS Linux release 7.9.2009 (Core)' }, ['CentOS', 'RedHat', '7.9', '7', 'Core']],
    ['RHEL 8.10', { osRelease: RHEL_810, redhatRelease: 'Red Hat Enterprise Linux release 8.10 (Ootpa)' }, ['RedHat', 'RedHat', '8.10', '8', 'Ootpa']],
    ['AlmaLinux 9.4', { osRelease: ALMA_9 }, ['AlmaLinux', 'RedHat', '9.4', '9', '']],
    ['Fedora 40', { osRelease: FEDORA_40 }, ['Fedora', 'RedHat', '40', '40', '']],
    ['an unknown Debian derivative', { osRelease: UNKNOWN_DEB }, ['Frobnix', 'Debian', '3.1', '3', '']],
  ])('%s', (_name, input, [dist, family, version, major, release]) => {
    expect(distributionFacts(input)).toEqual({
      distribution: dist,
      os_family: family,
      distribution_version: version,
      distribution_major_version: major,
      distribution_release: release,
    });
  });

  it.each([
    ['Debian', ['apt-get'], 'apt'],
    ['RedHat', ['dnf', 'yum'], 'dnf'],
    ['RedHat', ['yum'], 'yum'],
    ['RedHat', ['dnf5'], 'dnf5'],
    ['Debian', [], 'unknown'],
    ['Other', ['yum'], 'yum'],
  ])('pkg_mgr of %s with %j is %s', (family, found, want) => {
    expect(pkgMgr(family, found)).toBe(want);
  });

  it.each([
    [true, 'systemd', 'systemd'],
    [true, 'sh', 'systemd'],
    [false, 'systemd', 'systemd'],
    [false, 'init', 'sysvinit'],
    [false, 'tini', 'tini'],
  ])('service_mgr with /run/systemd/system %s and PID 1 %s is %s', (dir, comm, want) => {
    expect(serviceMgr(dir, comm)).toBe(want);
  });
});

describe('network facts from ip -j', () => {
  const net = networkFacts(IP_ADDR, ROUTE4, '[]');

  it('lists interfaces by their names and keys them as Ansible does', () => {
    expect(net.interfaces).toEqual(['lo', 'hv1', 'hv-a']);
    expect(Object.keys(net.byKey)).toEqual(['lo', 'hv1', 'hv_a']);
    expect(interfaceFactKey('br-2dde0d2656b7')).toBe('br_2dde0d2656b7');
    expect(interfaceFactKey('eth0.10')).toBe('eth0_10');
  });

  it('describes each interface with its primary and secondary IPv4 addresses', () => {
    expect(net.byKey.hv_a).toEqual({
      device: 'hv-a',
      active: true,
      promisc: false,
      mtu: 1500,
      type: 'ether',
      macaddress: '4e:a3:e1:cb:a2:97',
      ipv4: { address: '10.213.7.1', broadcast: '', netmask: '255.255.255.0', network: '10.213.7.0', prefix: '24' },
      ipv4_secondaries: [
        { address: '10.213.7.50', broadcast: '', netmask: '255.255.255.0', network: '10.213.7.0', prefix: '24' },
      ],
      ipv6: [{ address: 'fe80::4ca3:e1ff:fecb:a297', prefix: '64', scope: 'link' }],
    });
    expect(net.byKey.lo?.type).toBe('loopback');
    expect(net.byKey.lo?.macaddress).toBeUndefined();
    expect(net.byKey.hv1?.ipv4?.network).toBe('10.213.0.0');
  });

  it('finds the default IPv4 route and its address', () => {
    expect(net.default_ipv4).toEqual({
      interface: 'hv-a',
      alias: 'hv-a',
      gateway: '10.213.7.254',
      macaddress: '4e:a3:e1:cb:a2:97',
      mtu: 1500,
      type: 'ether',
      address: '10.213.7.1',
      broadcast: '',
      netmask: '255.255.255.0',
      network: '10.213.7.0',
      prefix: '24',
    });
    expect(net.default_ipv6).toEqual({});
  });

  it('lists every non-loopback address', () => {
    expect(net.all_ipv4_addresses).toEqual(['10.213.8.1', '10.213.7.1', '10.213.7.50']);
    expect(net.all_ipv6_addresses).toEqual(['fe80::ac46:11ff:fec2:ad49', 'fe80::4ca3:e1ff:fecb:a297']);
  });

  it('has no default route facts without a default route, and survives missing ip', () => {
    expect(networkFacts(IP_ADDR, '[]').default_ipv4).toEqual({});
    expect(networkFacts('', '')).toEqual({
      interfaces: [],
      byKey: {},
      default_ipv4: {},
      default_ipv6: {},
      all_ipv4_addresses: [],
      all_ipv6_addresses: [],
    });
  });

  it.each([
    [0, '0.0.0.0'],
    [8, '255.0.0.0'],
    [20, '255.255.240.0'],
    [32, '255.255.255.255'],
  ])('prefix /%i is netmask %s', (p, mask) => {
    expect(prefixToNetmask(p)).toBe(mask);
  });
});

/** the same namespace as IP_ADDR, as `ip -o link` / `ip -o addr` / `ip route` print it */
const IP_LINK_TEXT = `1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
2: hv1@hv-a: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000\\    link/ether ae:46:11:c2:ad:49 brd ff:ff:ff:ff:ff:ff
3: hv-a@hv1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000\\    link/ether 4e:a3:e1:cb:a2:97 brd ff:ff:ff:ff:ff:ff`;
const IP_ADDR_TEXT = `1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever
1: lo    inet6 ::1/128 scope host \\       valid_lft forever preferred_lft forever
2: hv1    inet 10.213.8.1/16 scope global hv1\\       valid_lft forever preferred_lft forever
2: hv1    inet6 fe80::ac46:11ff:fec2:ad49/64 scope link \\       valid_lft forever preferred_lft forever
3: hv-a    inet 10.213.7.1/24 scope global hv-a\\       valid_lft forever preferred_lft forever
3: hv-a    inet 10.213.7.50/24 scope global secondary hv-a\\       valid_lft forever preferred_lft forever
3: hv-a    inet6 fe80::4ca3:e1ff:fecb:a297/64 scope link \\       valid_lft forever preferred_lft forever`;

describe('network facts from ip text output (iproute2 without -j)', () => {
  it('gives the same facts as the JSON output', () => {
    const fromText = networkFacts(
      ipTextToJson(IP_LINK_TEXT, IP_ADDR_TEXT),
      routeTextToJson('default via 10.213.7.254 dev hv-a \n'),
      routeTextToJson(''),
    );
    expect(fromText).toEqual(networkFacts(IP_ADDR, ROUTE4, '[]'));
  });

  it('reads src from a default route', () => {
    expect(JSON.parse(routeTextToJson('default via 10.0.0.1 dev eth0 proto dhcp src 10.0.0.5 metric 100'))).toEqual([
      { dst: 'default', gateway: '10.0.0.1', dev: 'eth0', prefsrc: '10.0.0.5' },
    ]);
  });
});

describe('the facts script output', () => {
  const section = (name: string, text: string): string => `@@hapb-facts@@ ${name}\n${text}\n`;
  const output = [
    section('os-release', UBUNTU_2204),
    section('debian_version', 'bookworm/sid'),
    section('redhat-release', ''),
    section('hostname', 'web1'),
    section('fqdn', 'web1.lab.example'),
    section('kernel', '6.1.0-18-amd64'),
    section('kernel_version', '#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1'),
    section('machine', 'x86_64'),
    section('system', 'Linux'),
    section('nodename', 'web1'),
    section('ip-addr', IP_ADDR),
    section('route4', ROUTE4),
    section('route6', '[]'),
    section('pkg', 'apt-get'),
    section('systemd', 'yes'),
    section('pid1', 'systemd'),
    section('machine-id', '0123456789abcdef0123456789abcdef'),
    section('user', 'root'),
    section('end', ''),
  ].join('');

  it('splits into sections', () => {
    const s = splitSections(`noise\n${output}`);
    expect(s.get('hostname')).toBe('web1');
    expect(s.has('end')).toBe(true);
    expect(s.has('noise')).toBe(false);
  });

  it('gives the ansible_* variables playbooks use', () => {
    const vars = factsToVars(parseFacts(output));
    expect(vars).toMatchObject({
      ansible_os_family: 'Debian',
      ansible_distribution: 'Ubuntu',
      ansible_distribution_version: '22.04',
      ansible_distribution_major_version: '22',
      ansible_distribution_release: 'jammy',
      ansible_pkg_mgr: 'apt',
      ansible_service_mgr: 'systemd',
      ansible_hostname: 'web1',
      ansible_fqdn: 'web1.lab.example',
      ansible_domain: 'lab.example',
      ansible_kernel: '6.1.0-18-amd64',
      ansible_architecture: 'x86_64',
      ansible_interfaces: ['lo', 'hv1', 'hv-a'],
      ansible_default_ipv4: { interface: 'hv-a', address: '10.213.7.1', prefix: '24', netmask: '255.255.255.0' },
      ansible_user_id: 'root',
    });
    expect((vars.ansible_hv_a as { ipv4: { address: string } }).ipv4.address).toBe('10.213.7.1');
    const facts = vars.ansible_facts as Record<string, unknown>;
    expect(facts.os_family).toBe('Debian');
    expect(facts.hv_a).toBe(vars.ansible_hv_a);
  });
});

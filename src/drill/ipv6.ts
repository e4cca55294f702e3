/**
 * `hapb drill --ipv6`: the same scenarios with the load sent to the lab's IPv6
 * VIP (http://[VIP6]/, or https:// with --https) from the client machine; the
 * VIP watcher, the health checks and the verdicts follow the IPv6 VIP, which
 * moves with the IPv4 one (keepalived_vip6: the same VRRP instance).
 */
import { HapbError } from '../errors/index.js';
import type { LabControl, LabTopology } from './lab-control.js';

/** http://[fd00::150]/ for an IPv6 address, http://192.168.0.150/ for an IPv4 one */
export function urlOf(vip: string, https = false): string {
  return `${https ? 'https' : 'http'}://${vip.includes(':') ? `[${vip}]` : vip}/`;
}

/** is this load URL an IPv6 one (a bracketed host) */
export const isIpv6Url = (url: string): boolean => /^[a-z]+:\/\/\[/.test(url);

/** the lab as the drill sees it over IPv6: same machines, the IPv6 VIP as `vip` and in the URL */
export function overIpv6(lab: LabControl, vips6: string[] | undefined): LabControl {
  const vip6 = vips6?.[0];
  if (vip6 === undefined) {
    throw new HapbError(`lab "${lab.name}" has no IPv6 VIP`, { hint: `boot it with IPv6: hapb lab down --name ${lab.name} && hapb lab up --name ${lab.name} --ipv6` });
  }
  if (lab.topology.vips && lab.topology.vips.length > 1) {
    throw new HapbError(`lab "${lab.name}" has several VIPs: --ipv6 drills one-VIP labs only`);
  }
  const https = lab.topology.url.startsWith('https:');
  const topology: LabTopology = { ...lab.topology, vip: vip6, url: urlOf(vip6, https) };
  // the lab's methods stay its own (prototype); the topology and the default VIP differ
  const view = Object.create(lab) as LabControl;
  Object.defineProperty(view, 'topology', { value: topology, enumerable: true });
  Object.defineProperty(view, 'vipHolders', { value: (vip: string = vip6) => lab.vipHolders(vip), enumerable: true });
  return view;
}

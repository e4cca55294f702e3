/**
 * For hosts whose iproute2 has no JSON output (`ip -j`, before 4.14: CentOS 7):
 * turn `ip -o link`, `ip -o addr` and `ip route show default` text into the
 * JSON shapes networkFacts reads.
 */

interface LinkJson {
  ifname: string;
  flags: string[];
  mtu: number;
  link_type: string;
  address?: string;
  addr_info: Record<string, unknown>[];
}

export function ipTextToJson(linkText: string, addrText: string): string {
  const links = new Map<string, LinkJson>();
  for (const line of linkText.split('\n')) {
    // 2: eth0@if5: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 ... \    link/ether 52:54:00:12:34:56 brd ...
    const m = /^\d+:\s+([^:\s]+):\s+<([^>]*)>\s+mtu\s+(\d+).*?link\/(\S+)(?:\s+([0-9a-f:]+))?/.exec(line);
    if (!m || !m[1]) continue;
    const ifname = m[1].split('@')[0] ?? m[1];
    links.set(ifname, {
      ifname,
      flags: (m[2] ?? '').split(',').filter(Boolean),
      mtu: Number(m[3]),
      link_type: m[4] ?? 'unknown',
      ...(m[5] ? { address: m[5] } : {}),
      addr_info: [],
    });
  }
  for (const line of addrText.split('\n')) {
    // 4: eth0    inet 192.0.2.2/24 brd 192.0.2.255 scope global secondary eth0\  valid_lft ...
    const m = /^\d+:\s+(\S+)\s+(inet6?)\s+([0-9a-fA-F.:]+)\/(\d+)(.*)$/.exec(line);
    if (!m || !m[1] || !m[2] || !m[3]) continue;
    const ifname = m[1].split('@')[0] ?? m[1];
    let link = links.get(ifname);
    if (!link) {
      link = { ifname, flags: [], mtu: 0, link_type: 'unknown', addr_info: [] };
      links.set(ifname, link);
    }
    const rest = m[5] ?? '';
    const brd = /\bbrd\s+(\S+)/.exec(rest)?.[1];
    const scope = /\bscope\s+(\S+)/.exec(rest)?.[1];
    link.addr_info.push({
      family: m[2],
      local: m[3],
      prefixlen: Number(m[4]),
      ...(brd ? { broadcast: brd } : {}),
      ...(scope ? { scope } : {}),
      ...(/\bsecondary\b/.test(rest) ? { secondary: true } : {}),
    });
  }
  return JSON.stringify([...links.values()]);
}

/** `ip route show default` lines → [{dst, gateway, dev, prefsrc}] */
export function routeTextToJson(text: string): string {
  const routes: Record<string, string>[] = [];
  for (const line of text.split('\n')) {
    const words = line.trim().split(/\s+/);
    if (words[0] !== 'default') continue;
    const r: Record<string, string> = { dst: 'default' };
    for (let i = 1; i < words.length - 1; i++) {
      const k = words[i];
      const v = words[i + 1];
      if (v === undefined) continue;
      if (k === 'via') r.gateway = v;
      else if (k === 'dev') r.dev = v;
      else if (k === 'src') r.prefsrc = v;
    }
    routes.push(r);
  }
  return JSON.stringify(routes);
}

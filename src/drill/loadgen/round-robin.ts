/**
 * Several VIPs published together (active-active, DNS round robin): request
 * `seq` goes to URL `seq mod n`, through a client of its own per URL (in
 * keep-alive mode each VIP has its own N connections, as browsers that
 * resolved different addresses would). Each record names its VIP.
 */
import { createClient, type ClientOptions, type HttpClient } from './client.js';

export function createRoundRobinClient(opts: Omit<ClientOptions, 'url'> & { urls: string[] }): HttpClient {
  const clients = opts.urls.map((url) => ({ vip: new URL(url).hostname, client: createClient({ ...opts, url }) }));
  return {
    send: async (seq, scheduled, t0) => {
      const c = clients[seq % clients.length];
      if (!c) throw new Error('round robin without URLs');
      const rec = await c.client.send(seq, scheduled, t0);
      return { ...rec, vip: c.vip };
    },
    close: async () => {
      await Promise.all(clients.map((c) => c.client.close()));
    },
  };
}

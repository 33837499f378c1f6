/**
 * A loopback TCP proxy in front of a real server: the socket-level faults of a peer without touching
 * the peer. `forward` relays bytes; `slow` relays them but holds the first byte of each reply back
 * `delayMs`; `close` accepts and hangs up at once; `reset` accepts and answers with a TCP RST;
 * `stall` accepts and then never answers; `refuse` stops listening (connection refused).
 */
import net from 'node:net';

export type ProxyMode = 'forward' | 'close' | 'reset' | 'stall' | 'refuse' | { slow: number };

export interface TcpProxy {
  port: number;
  /** host:port, for URLs. */
  address: string;
  /** Applies to connections accepted from now on. */
  setMode(mode: ProxyMode): Promise<void>;
  mode(): ProxyMode;
  /** Forwards connections accepted from now on to another server (an address re-pointed, as DNS or a config change does). */
  setTarget(target: { host: string; port: number }): void;
  /** Drops every open connection (clients' kept-alive sockets would otherwise bypass a new mode). */
  dropConnections(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(initialTarget: { host: string; port: number }, initial: ProxyMode = 'forward', port = 0): Promise<TcpProxy> {
  let current = initial;
  let target = initialTarget;
  let listening = false;
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket): void => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };
  const server = net.createServer((client) => {
    track(client);
    const mode = current;
    if (mode === 'close' || mode === 'refuse') return void client.destroy();
    if (mode === 'reset') return void client.resetAndDestroy();
    if (mode === 'stall') return void client.pause();
    const upstream = net.connect(target);
    track(upstream);
    client.pipe(upstream);
    if (typeof mode === 'object') {
      // Hold the reply until the delay has passed since the request's first byte.
      upstream.pause();
      client.once('data', () => setTimeout(() => upstream.pipe(client), mode.slow).unref());
    } else upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  const listen = (p: number): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(p, '127.0.0.1', () => {
        server.off('error', reject);
        listening = true;
        resolve();
      });
    });
  const unlisten = (): Promise<void> =>
    new Promise<void>((resolve) => {
      if (!listening) return resolve();
      listening = false;
      server.close(() => resolve());
    });
  await listen(port);
  const bound = (server.address() as net.AddressInfo).port;
  const dropConnections = (): void => {
    for (const s of sockets) s.destroy();
  };
  return {
    port: bound,
    address: `127.0.0.1:${bound}`,
    mode: () => current,
    setTarget: (t) => {
      target = t;
    },
    setMode: async (m) => {
      current = m;
      if (m === 'refuse') {
        // server.close() waits for open connections: drop them so the port is free now.
        dropConnections();
        await unlisten();
      } else if (!listening) await listen(bound);
    },
    dropConnections,
    close: async () => {
      dropConnections();
      await unlisten();
    },
  };
}

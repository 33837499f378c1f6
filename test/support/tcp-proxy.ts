/**
 * A loopback TCP proxy in front of a real server, for the "down" and "slow" cases of a probe without
 * touching the shared service: `forward` relays bytes, `close` accepts and hangs up at once, `stall`
 * accepts and then never answers.
 */
import net from 'node:net';

export type ProxyMode = 'forward' | 'close' | 'stall';

export interface TcpProxy {
  port: number;
  /** host:port, for URLs. */
  address: string;
  setMode(mode: ProxyMode): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }, mode: ProxyMode = 'forward'): Promise<TcpProxy> {
  let current = mode;
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket): void => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };
  const server = net.createServer((client) => {
    track(client);
    if (current === 'close') return void client.destroy();
    if (current === 'stall') return void client.pause();
    const upstream = net.connect(target);
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    address: `127.0.0.1:${port}`,
    setMode: (m) => void (current = m),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

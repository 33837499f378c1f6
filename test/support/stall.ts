/**
 * A loopback TCP server that accepts connections and never answers, for "slow" tests: a peer that is
 * up at the TCP level but stalls, the way an overloaded broker or a hung process does.
 */
import net from 'node:net';

export interface StallServer {
  port: number;
  /** Connections accepted so far. */
  accepted(): number;
  /** Connections still open (a client that gave up closes its end). */
  open(): number;
  close(): Promise<void>;
}

export async function startStallServer(): Promise<StallServer> {
  const sockets = new Set<net.Socket>();
  let count = 0;
  const server = net.createServer((socket) => {
    count++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    // Reads whatever the client sends and never writes a byte back.
    socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    accepted: () => count,
    open: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Whether something accepts TCP connections at host:port within `timeoutMs`. */
export function portOpen(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Whether a shared service answers at host:port. When not, the tests needing it skip with a one-line
 * reason, except under OPSBOOK_REQUIRE_SERVICES=1 where this throws.
 */
export async function serviceUp(name: string, host: string, port: number): Promise<boolean> {
  const ok = await portOpen(host, port);
  const reason = `${name} not reachable at ${host}:${port}`;
  if (!ok && process.env.OPSBOOK_REQUIRE_SERVICES === '1') throw new Error(`${reason} and OPSBOOK_REQUIRE_SERVICES=1`);
  if (!ok) console.warn(`skipping: ${reason}`);
  return ok;
}

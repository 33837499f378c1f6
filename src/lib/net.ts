import fs from 'node:fs';
import net from 'node:net';

/** Ports under this are never handed out by the kernel for outgoing connections (Linux's default range starts at 32768). */
function ephemeralLow(): number {
  try {
    const low = Number(fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 0 ? low : 32768;
  } catch {
    return 32768;
  }
}

const FLOOR = 20_000;

function tryListen(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(undefined));
    s.listen(port, '127.0.0.1', () => {
      const bound = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(bound));
    });
  });
}

/**
 * A free loopback port for a server a loopback world starts a little later (tests, game days). It
 * is taken below the kernel's ephemeral range where there is room: a port from that range can be
 * given to any outgoing connection (to PostgreSQL, Redis …) before the server binds it, which made
 * a world's server fail with EADDRINUSE on a busy machine. Free when checked; binding it is the
 * caller's, and a port the kernel picks (port 0) is the fallback.
 */
export async function freePort(): Promise<number> {
  const low = ephemeralLow();
  if (low - FLOOR >= 1000) {
    for (let i = 0; i < 20; i++) {
      const port = await tryListen(FLOOR + Math.floor(Math.random() * (low - FLOOR)));
      if (port !== undefined) return port;
    }
  }
  const port = await tryListen(0);
  if (port === undefined) throw new Error('no free loopback port');
  return port;
}

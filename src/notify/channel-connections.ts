import http from 'node:http';
import https from 'node:https';
import type { ChannelConfig } from '../config/schema/channels.js';
import type { ChannelAgents } from './types.js';

/** One channel's keep-alive agents, and the sends using them now. */
class ChannelPool {
  readonly agents: ChannelAgents;
  inUse = 0;
  retired = false;

  constructor(
    /** The channel's config as the pool was made for it, and its JSON: a reload that changes it replaces the pool. */
    public config: ChannelConfig,
    readonly key: string,
    maxSockets: number,
  ) {
    // Keep-alive: a receiver that gets a burst of pages pays for one TCP/TLS handshake, not one per message.
    this.agents = { http: new http.Agent({ keepAlive: true, maxSockets }), https: new https.Agent({ keepAlive: true, maxSockets }) };
  }

  destroy(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}

/** A channel's pool held for one send; `release` when the send has ended. */
export interface PoolLease {
  agents: ChannelAgents;
  release(): void;
}

/**
 * A connection pool per channel: its own http and https agents, keyed by channel id, made at the
 * channel's first send. Node pools sockets per agent and host:port, so channels sharing one agent
 * share the sockets to a receiver host, and those whose receivers hang (take the request, never
 * answer) would keep a healthy channel on the same host waiting for a socket until they time out.
 * Each pool allows as many sockets per host as the channel has send slots.
 *
 * A channel that a reload removes or changes has its pool closed: at once when no send uses it, else
 * when its last send ends (a send in flight is not cut off). Its successor gets a new pool.
 */
export class ChannelConnections {
  private readonly pools = new Map<string, ChannelPool>();
  /** Replaced pools whose sends have not all ended yet. */
  private readonly retiring = new Set<ChannelPool>();

  constructor(private readonly maxSockets: number) {}

  /** The channel's pool for one send (made now if the channel has none, or had one for another config). */
  acquire(channel: ChannelConfig): PoolLease {
    let pool = this.pools.get(channel.id);
    if (pool?.config !== channel) {
      // Another object: the same config read again keeps the pool (and remembers the new object).
      const key = JSON.stringify(channel);
      if (pool?.key === key) pool.config = channel;
      else {
        if (pool) this.retire(pool);
        pool = new ChannelPool(channel, key, this.maxSockets);
        this.pools.set(channel.id, pool);
      }
    }
    const held = pool;
    held.inUse++;
    let released = false;
    return {
      agents: held.agents,
      release: () => {
        if (released) return;
        released = true;
        held.inUse--;
        if (held.retired && held.inUse === 0) {
          this.retiring.delete(held);
          held.destroy();
        }
      },
    };
  }

  /** The `channels:` section changed: the pools of channels gone or changed close. */
  configure(channels: readonly ChannelConfig[]): void {
    const now = new Map(channels.map((c) => [c.id, c]));
    for (const [id, pool] of this.pools) {
      const c = now.get(id);
      if (!c || (c !== pool.config && JSON.stringify(c) !== pool.key)) this.retire(pool);
    }
  }

  /** Pools open: the channels' own, and replaced ones whose last send has not ended. */
  get size(): number {
    return this.pools.size + this.retiring.size;
  }

  /** Closes every pool and its sockets (the worker has stopped and its sends have ended). */
  destroy(): void {
    for (const pool of [...this.pools.values(), ...this.retiring]) pool.destroy();
    this.pools.clear();
    this.retiring.clear();
  }

  private retire(pool: ChannelPool): void {
    for (const [id, p] of this.pools) if (p === pool) this.pools.delete(id);
    pool.retired = true;
    if (pool.inUse === 0) pool.destroy();
    else this.retiring.add(pool);
  }
}

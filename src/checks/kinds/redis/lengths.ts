import type { Redis } from 'ioredis';

const LENGTH_COMMAND: Record<string, string> = {
  list: 'llen',
  set: 'scard',
  zset: 'zcard',
  stream: 'xlen',
  hash: 'hlen',
  string: 'strlen',
};

/** The length of each key whatever its type (list, set, sorted set, stream, hash, string); 0 when absent. */
export async function keyLengths(redis: Redis, keys: string[]): Promise<{ key: string; type: string; length: number }[]> {
  if (keys.length === 0) return [];
  const types = (await redis.pipeline(keys.map((k) => ['type', k])).exec()) ?? [];
  const typed = keys.map((key, i) => ({ key, type: String(types[i]?.[1] ?? 'none') }));
  const measured = typed.filter((t) => LENGTH_COMMAND[t.type]);
  const lengths = (await redis.pipeline(measured.map((t) => [LENGTH_COMMAND[t.type]!, t.key])).exec()) ?? [];
  const byKey = new Map(measured.map((t, i) => [t.key, Number(lengths[i]?.[1] ?? 0)]));
  return typed.map((t) => ({ ...t, length: byKey.get(t.key) ?? 0 }));
}

/** Keys matching a glob pattern, by SCAN (never KEYS, which blocks the server). Bounded. */
export async function scanKeys(redis: Redis, pattern: string, limit = 10_000): Promise<string[]> {
  const found = new Set<string>();
  let cursor = '0';
  for (let i = 0; i < 10_000; i++) {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    for (const k of keys) found.add(k);
    cursor = next;
    if (cursor === '0' || found.size >= limit) break;
  }
  return [...found].slice(0, limit);
}

/**
 * BullMQ's own layout: `<prefix>:<queue>:wait|paused|active` are lists, the other states sorted
 * sets. WAITING counts wait + paused, as BullMQ's getWaitingCount() does.
 */
export async function bullmqCounts(redis: Redis, prefix: string, queue: string): Promise<Record<string, number>> {
  const k = (s: string): string => `${prefix}:${queue}:${s}`;
  const r =
    (await redis
      .pipeline()
      .llen(k('wait'))
      .llen(k('paused'))
      .llen(k('active'))
      .zcard(k('delayed'))
      .zcard(k('failed'))
      .zcard(k('completed'))
      .zcard(k('prioritized'))
      .zcard(k('waiting-children'))
      .exec()) ?? [];
  const n = (i: number): number => Number(r[i]?.[1] ?? 0);
  return {
    WAITING: n(0) + n(1),
    PAUSED: n(1),
    ACTIVE: n(2),
    DELAYED: n(3),
    FAILED: n(4),
    COMPLETED: n(5),
    PRIORITIZED: n(6),
    WAITING_CHILDREN: n(7),
  };
}

/** `INFO` as a flat map of its `field:value` lines, numbers as numbers. */
export function parseInfo(text: string): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const line of text.split(/\r?\n/)) {
    if (!line || line.startsWith('#')) continue;
    const i = line.indexOf(':');
    if (i < 0) continue;
    const v = line.slice(i + 1);
    out[line.slice(0, i)] = v !== '' && Number.isFinite(Number(v)) ? Number(v) : v;
  }
  return out;
}

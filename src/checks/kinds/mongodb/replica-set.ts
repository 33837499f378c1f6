import type { Placeholders } from '../../types.js';

interface Member {
  name?: unknown;
  health?: unknown;
  stateStr?: unknown;
  optimeDate?: unknown;
}

const time = (v: unknown): number | undefined => (v instanceof Date ? v.getTime() : typeof v === 'number' ? v : undefined);

/**
 * Placeholders from a `replSetGetStatus` reply: member states, the primary, and replication lag as
 * the largest gap between the primary's optimeDate and a healthy secondary's, in ms (as
 * rs.printSecondaryReplicationInfo() reports it).
 */
export function replicaSetValues(status: { set?: unknown; members?: unknown }): Placeholders {
  const members = (Array.isArray(status.members) ? status.members : []) as Member[];
  const primary = members.find((m) => m.stateStr === 'PRIMARY');
  const healthy = members.filter((m) => m.health === 1);
  const secondaries = healthy.filter((m) => m.stateStr === 'SECONDARY');
  const values: Placeholders = {
    REPLICA_SET: String(status.set ?? ''),
    MEMBERS: members.map((m) => ({ name: String(m.name ?? ''), state: String(m.stateStr ?? ''), health: m.health === 1 })),
    PRIMARY: primary ? String(primary.name ?? '') : '',
    HEALTHY_MEMBERS: healthy.length,
    UNHEALTHY_MEMBERS: members.length - healthy.length,
    SECONDARIES: secondaries.length,
  };
  const primaryAt = time(primary?.optimeDate);
  if (primaryAt !== undefined) {
    const lags = secondaries.map((m) => time(m.optimeDate)).filter((t) => t !== undefined).map((t) => Math.max(0, primaryAt - t));
    values.REPLICATION_LAG = lags.length > 0 ? Math.max(...lags) : 0;
  }
  return values;
}

/** A BSON reply as plain values for conditions: dates as epoch ms, Timestamps and ObjectIds as text. */
export function plain(v: unknown): unknown {
  if (v instanceof Date) return v.getTime();
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object') {
    if ('_bsontype' in v) {
      const n = Number(v.toString());
      return Number.isFinite(n) ? n : v.toString();
    }
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  }
  return v;
}

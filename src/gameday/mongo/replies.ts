/**
 * Replies of a MongoDB 7.0 replica-set member, in the shapes the MongoDB manual documents for
 * `hello`, `ping`, `serverStatus` (trimmed to its common sections) and `replSetGetStatus`, with
 * the BSON types a real server sends (Int32, Long, Double, Date, Timestamp, ObjectId).
 */
import { Double, Int32, Long, ObjectId, Timestamp, type Document } from 'bson';

const NOW = new Date('2026-03-04T10:00:00Z');
const ago = (ms: number): Date => new Date(NOW.getTime() - ms);
const optime = (secondsAgo: number): Document => ({ ts: new Timestamp({ t: Math.floor(ago(secondsAgo * 1000).getTime() / 1000), i: 1 }), t: Long.fromNumber(7) });

const wire = { minWireVersion: new Int32(0), maxWireVersion: new Int32(21), maxBsonObjectSize: new Int32(16777216), maxMessageSizeBytes: new Int32(48000000), maxWriteBatchSize: new Int32(100000) };

export function helloStandalone(): Document {
  return { isWritablePrimary: true, ismaster: true, helloOk: true, localTime: NOW, logicalSessionTimeoutMinutes: new Int32(30), connectionId: new Int32(42), readOnly: false, ...wire, ok: new Double(1) };
}

export function helloPrimary(): Document {
  return {
    ...helloStandalone(),
    hosts: ['mongo-0.novapulse:27017', 'mongo-1.novapulse:27017', 'mongo-2.novapulse:27017'],
    setName: 'rs0',
    setVersion: new Int32(3),
    secondary: false,
    primary: 'mongo-0.novapulse:27017',
    me: 'mongo-0.novapulse:27017',
    electionId: new ObjectId('7fffffff0000000000000007'),
    lastWrite: { opTime: optime(0), lastWriteDate: NOW, majorityOpTime: optime(0), majorityWriteDate: NOW },
  };
}

export const ping: Document = { ok: new Double(1) };

export function serverStatus(connections: { current: number; available: number }): Document {
  return {
    host: 'mongo-0.novapulse:27017',
    version: '7.0.14',
    process: 'mongod',
    pid: Long.fromNumber(1),
    uptime: new Double(86400),
    uptimeMillis: Long.fromNumber(86_400_000),
    localTime: NOW,
    asserts: { regular: new Int32(0), warning: new Int32(0), msg: new Int32(0), user: new Int32(12), rollovers: new Int32(0) },
    connections: { current: new Int32(connections.current), available: new Int32(connections.available), totalCreated: new Int32(912), active: new Int32(4), threaded: new Int32(connections.current) },
    globalLock: { totalTime: Long.fromNumber(86_400_000_000), currentQueue: { total: new Int32(0), readers: new Int32(0), writers: new Int32(0) }, activeClients: { total: new Int32(0), readers: new Int32(0), writers: new Int32(0) } },
    mem: { bits: new Int32(64), resident: new Int32(1843), virtual: new Int32(3260), supported: true },
    opcounters: { insert: Long.fromNumber(120_394), query: Long.fromNumber(9_801_233), update: Long.fromNumber(503_112), delete: Long.fromNumber(2_004), getmore: Long.fromNumber(40_120), command: Long.fromNumber(12_004_551) },
    repl: { setName: 'rs0', isWritablePrimary: true, secondary: false, primary: 'mongo-0.novapulse:27017', me: 'mongo-0.novapulse:27017' },
    ok: new Double(1),
  };
}

export interface MemberSpec {
  name: string;
  stateStr: 'PRIMARY' | 'SECONDARY' | 'RECOVERING' | 'STARTUP2' | 'ARBITER' | '(not reachable/healthy)';
  lagSeconds?: number;
}

const STATE: Record<MemberSpec['stateStr'], number> = { PRIMARY: 1, SECONDARY: 2, RECOVERING: 3, STARTUP2: 5, ARBITER: 7, '(not reachable/healthy)': 8 };

export function replSetGetStatus(members: MemberSpec[]): Document {
  return {
    set: 'rs0',
    date: NOW,
    myState: new Int32(1),
    term: Long.fromNumber(7),
    heartbeatIntervalMillis: Long.fromNumber(2000),
    majorityVoteCount: new Int32(2),
    members: members.map((m, i) => {
      const healthy = m.stateStr !== '(not reachable/healthy)';
      return {
        _id: new Int32(i),
        name: m.name,
        health: new Double(healthy ? 1 : 0),
        state: new Int32(STATE[m.stateStr]),
        stateStr: m.stateStr,
        uptime: new Int32(healthy ? 86400 : 0),
        optime: optime(m.lagSeconds ?? 0),
        optimeDate: healthy ? ago((m.lagSeconds ?? 0) * 1000) : new Date(0),
        lastHeartbeatMessage: '',
        syncSourceHost: m.stateStr === 'SECONDARY' ? members[0]!.name : '',
        configVersion: new Int32(3),
        ...(m.stateStr === 'PRIMARY' ? { electionDate: ago(3_600_000), self: i === 0 } : {}),
      };
    }),
    ok: new Double(1),
  };
}

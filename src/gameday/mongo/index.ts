import { helloPrimary, ping, replSetGetStatus, serverStatus } from './replies.js';
import { startMongoResponder, type MongoResponder } from './responder.js';

export { startMongoResponder, type MongoResponder } from './responder.js';

/**
 * The world's MongoDB: no server is packaged here, so a loopback wire-protocol responder plays the
 * primary of a healthy three-member replica set with the documented replies, behind real
 * SCRAM-SHA-256 for a read-only `monitor` user.
 */
export async function startWorldMongo(monitorPassword: string): Promise<{ url: string; responder: MongoResponder }> {
  const responder = await startMongoResponder({
    replies: {
      hello: helloPrimary(),
      ping,
      serverStatus: serverStatus({ current: 12, available: 838_848 }),
      replSetGetStatus: replSetGetStatus([
        { name: 'mongo-0.novapulse:27017', stateStr: 'PRIMARY' },
        { name: 'mongo-1.novapulse:27017', stateStr: 'SECONDARY', lagSeconds: 1 },
        { name: 'mongo-2.novapulse:27017', stateStr: 'SECONDARY', lagSeconds: 1 },
      ]),
    },
    users: { monitor: monitorPassword },
  });
  const url = `mongodb://monitor:${encodeURIComponent(monitorPassword)}@127.0.0.1:${responder.port}/?directConnection=true&authSource=admin`;
  return { url, responder };
}

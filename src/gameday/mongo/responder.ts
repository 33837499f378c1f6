/**
 * A loopback MongoDB wire-protocol responder for the mongodb check kind, built on `bson`: it
 * answers the driver's first legacy hello (OP_QUERY → OP_REPLY) and every later command (OP_MSG)
 * from a table of replies, such as the documented ones in replies.ts. With `users` it runs
 * real SCRAM-SHA-256 (RFC 7677), so a right password passes and a wrong one fails as a server would.
 * MongoDB itself is not packaged for this machine.
 */
import { BSON, type Document } from 'bson';
import net from 'node:net';
import { freePort } from '../../lib/net.js';
import { scramServer } from './scram.js';

const OP_REPLY = 1;
const OP_QUERY = 2004;
const OP_MSG = 2013;

export type Reply = Document | ((command: Document) => Document);

export interface MongoResponder {
  port: number;
  url: string;
  /** Command names received, in order (hello, ping, serverStatus, …). */
  received: string[];
  /** Replace the reply to one command. */
  reply(command: string, reply: Reply): void;
  /** Holds every reply to `command` back `ms` of real time (0: at once again), as a slow server answers late. */
  slow(command: string, ms: number): void;
  /** Stops listening and drops every connection (connections refused), as a stopped server. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

function readCString(buf: Buffer, at: number): [string, number] {
  const end = buf.indexOf(0, at);
  return [buf.toString('utf8', at, end), end + 1];
}

function header(length: number, requestId: number, responseTo: number, opCode: number): Buffer {
  const h = Buffer.alloc(16);
  h.writeInt32LE(length, 0);
  h.writeInt32LE(requestId, 4);
  h.writeInt32LE(responseTo, 8);
  h.writeInt32LE(opCode, 12);
  return h;
}

function opReply(responseTo: number, doc: Document): Buffer {
  const body = Buffer.from(BSON.serialize(doc));
  const fixed = Buffer.alloc(20);
  fixed.writeInt32LE(0, 0); // responseFlags
  fixed.writeBigInt64LE(0n, 4); // cursorID
  fixed.writeInt32LE(0, 12); // startingFrom
  fixed.writeInt32LE(1, 16); // numberReturned
  return Buffer.concat([header(16 + 20 + body.length, 0, responseTo, OP_REPLY), fixed, body]);
}

function opMsg(responseTo: number, doc: Document): Buffer {
  const body = Buffer.from(BSON.serialize(doc));
  const fixed = Buffer.from([0, 0, 0, 0, 0]); // flagBits, section kind 0
  return Buffer.concat([header(16 + 5 + body.length, 0, responseTo, OP_MSG), fixed, body]);
}

/** The command document of an OP_MSG: its body section plus any document sequences. */
function parseOpMsg(msg: Buffer): Document {
  let at = 20;
  const end = (msg.readUInt32LE(16) & 1) === 1 ? msg.length - 4 : msg.length;
  let command: Document = {};
  const sequences: Record<string, Document[]> = {};
  while (at < end) {
    const kind = msg[at++];
    const size = msg.readInt32LE(at);
    if (kind === 0) {
      command = BSON.deserialize(msg.subarray(at, at + size));
    } else {
      const [id, docsAt] = readCString(msg, at + 4);
      const docs: Document[] = [];
      for (let d = docsAt; d < at + size; d += msg.readInt32LE(d)) docs.push(BSON.deserialize(msg.subarray(d, d + msg.readInt32LE(d))));
      sequences[id] = docs;
    }
    at += size;
  }
  return { ...command, ...sequences };
}

export async function startMongoResponder(opts: { replies: Record<string, Reply>; users?: Record<string, string> }): Promise<MongoResponder> {
  const replies = new Map(Object.entries(opts.replies));
  const delays = new Map<string, number>();
  const received: string[] = [];
  const sockets = new Set<net.Socket>();
  const answer = (command: Document, scram: ReturnType<typeof scramServer>): Document => {
    const name = Object.keys(command)[0] ?? '';
    received.push(name);
    if (name === 'saslStart' || name === 'saslContinue') return scram.step(command);
    if (name === 'endSessions') return { ok: 1 };
    const isHello = name === 'hello' || name === 'isMaster' || name === 'ismaster';
    const r = replies.get(isHello ? 'hello' : name);
    if (!r) return { ok: 0, errmsg: `no such command: '${name}'`, code: 59, codeName: 'CommandNotFound' };
    const doc = typeof r === 'function' ? r(command) : r;
    if (opts.users && !isHello && name !== 'ping' && !scram.authenticated()) {
      return { ok: 0, errmsg: `command ${name} requires authentication`, code: 13, codeName: 'Unauthorized' };
    }
    if (isHello) return { ...doc, ...(opts.users ? { saslSupportedMechs: ['SCRAM-SHA-256'] } : {}) };
    return doc;
  };
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const scram = scramServer(opts.users ?? {});
    let pending = Buffer.alloc(0);
    let lastSend = 0;
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= pending.readInt32LE(0)) {
        const msg = pending.subarray(0, pending.readInt32LE(0));
        pending = pending.subarray(msg.length);
        const requestId = msg.readInt32LE(4);
        const opCode = msg.readInt32LE(12);
        // Replies go out in order: one held back delays the ones after it, as on a real connection.
        const send = (command: Document, reply: Buffer): void => {
          const ms = delays.get(Object.keys(command)[0] ?? '') ?? 0;
          const at = Math.max(Date.now() + ms, lastSend);
          lastSend = at;
          if (at <= Date.now()) socket.write(reply);
          else setTimeout(() => socket.writable && socket.write(reply), at - Date.now());
        };
        if (opCode === OP_QUERY) {
          const [, skipAt] = readCString(msg, 20);
          const q = BSON.deserialize(msg.subarray(skipAt + 8, skipAt + 8 + msg.readInt32LE(skipAt + 8)));
          send(q, opReply(requestId, answer(q, scram)));
        } else if (opCode === OP_MSG) {
          const command = parseOpMsg(msg);
          send(command, opMsg(requestId, answer(command, scram)));
        } else {
          socket.destroy();
        }
      }
    });
  });
  // stop() and start() (a MongoDB outage) listen on the same port again: one the kernel picked (port 0)
  // is in its ephemeral range, where an outgoing connection of the busy world may take it meanwhile
  // (EADDRINUSE on start); one below that range (freePort) is never given out that way.
  let port = 0;
  for (let i = 0; i < 5 && port === 0; i++) {
    const wanted = await freePort();
    port = await new Promise<number>((resolve) => {
      const taken = (): void => resolve(0);
      server.once('error', taken);
      server.listen(wanted, '127.0.0.1', () => {
        server.off('error', taken);
        resolve((server.address() as net.AddressInfo).port);
      });
    });
  }
  if (port === 0) throw new Error('the MongoDB responder found no free loopback port');
  const close = (): Promise<void> =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      if (!server.listening) return resolve();
      server.close(() => resolve());
    });
  return {
    port,
    url: `mongodb://127.0.0.1:${port}/?directConnection=true`,
    received,
    reply: (command, reply) => void replies.set(command, reply),
    slow: (command, ms) => void (ms > 0 ? delays.set(command, ms) : delays.delete(command)),
    stop: close,
    start: () =>
      new Promise<void>((resolve, reject) => {
        if (server.listening) return resolve();
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
          server.off('error', reject);
          resolve();
        });
      }),
    close,
  };
}

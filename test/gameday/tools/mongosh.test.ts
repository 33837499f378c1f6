/**
 * The game-day world's mongosh against the world's MongoDB (the wire-protocol responder with real
 * SCRAM-SHA-256): the runbook's forms answer as mongosh prints them; a ping held back past the
 * connection string's socketTimeoutMS and a stopped server fail as mongosh fails; changes and
 * unknown expressions are refused with exit 1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorldMongo, type MongoResponder } from '../../../src/gameday/mongo/index.js';
import { mongoshCommand, runWorldTool, type ToolWorld } from '../../../src/gameday/tools/index.js';
import { classifyCommand } from '../../../src/runbooks/index.js';

let responder: MongoResponder;
let uri: string;
const world = { system: 'novapulse' } as ToolWorld;

beforeAll(async () => {
  const mongo = await startWorldMongo('monitor-password-0123');
  responder = mongo.responder;
  uri = `${mongo.url}&serverSelectionTimeoutMS=2000&socketTimeoutMS=500`;
});
afterAll(async () => {
  await responder?.close();
});

const run = (code: string, env: Record<string, string> = { MONGO_URI: uri }) => runWorldTool('mongosh', ['mongodb://...', '--eval', code], world, env);

describe('the world’s mongosh', () => {
  it("answers db.adminCommand('ping') as mongosh prints it, connecting to MONGO_URI for the runbook's elided URL", async () => {
    const before = responder.received.length;
    expect(await run("db.adminCommand('ping')")).toEqual({ code: 0, stdout: '{ ok: 1 }\n', stderr: '' });
    expect(responder.received.slice(before)).toContain('ping');
  });

  it('prints rs.status() with the members the replica set reports, after authenticating', async () => {
    const r = await run('rs.status()');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/stateStr: 'PRIMARY'/);
    expect(r.stdout).toMatch(/mongo-2\.novapulse:27017/);
  });

  it('fails as mongosh does when the ping answers later than the socket timeout, and answers once it is prompt again', async () => {
    responder.slow('ping', 1500);
    try {
      const r = await run("db.adminCommand('ping')");
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^MongoNetworkTimeoutError: .*timed out/);
    } finally {
      responder.slow('ping', 0);
    }
    expect((await run("db.adminCommand('ping')")).stdout).toBe('{ ok: 1 }\n');
  });

  it('fails with a server selection error when the server is stopped', async () => {
    await responder.stop();
    try {
      const r = await run('rs.status()');
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^MongoServerSelectionError: .*ECONNREFUSED/);
    } finally {
      await responder.start();
    }
  });

  it('refuses rs.stepDown() (a write, as the safety classification says) and unknown expressions, without connecting', async () => {
    const before = responder.received.length;
    const step = await run('rs.stepDown()');
    expect(step.code).toBe(1);
    expect(step.stderr).toMatch(/rs\.stepDown\(\) changes the database/);
    expect(classifyCommand('mongosh "mongodb://..." --eval "rs.stepDown()"').effect).toBe('write');
    const unknown = await run('db.users.find({})');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/cannot evaluate "db\.users\.find\(\{\}\)"/);
    expect(mongoshCommand("db.adminCommand({ replSetStepDown: 60 })")).toHaveProperty('refused');
    expect(responder.received.length).toBe(before);
  });

  it('says what to set when the runbook elides the URL and MONGO_URI is not set', async () => {
    const r = await run("db.adminCommand('ping')", {});
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/set MONGO_URI/);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import net from 'node:net';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTestDatabase, PG_ADMIN_URL, postgresUp, REDIS_URL, redisUp } from '../../test/support/services.js';
import { createMigratedTestDatabase } from '../../test/support/migrated-database.js';
import { startTcpProxy } from '../../test/support/tcp-proxy.js';
import { scaled } from '../../test/support/timing.js';
import { MAX_OUTPUT_BYTES } from './executors/index.js';
import { harness, responder, type Harness } from './test-support.js';

const pgOk = await postgresUp();
const redisOk = await redisUp();

/** Settles within `ms` or says the step never ended. */
async function within<T>(ms: number, p: Promise<T>): Promise<T | 'still running'> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<'still running'>((r) => (timer = setTimeout(() => r('still running'), ms)));
  try {
    return await Promise.race([p, bound]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A loopback proxy in front of the real PostgreSQL that, once the client sends a statement
 * containing `marker`, stops relaying in both directions (a server that stops answering mid-statement:
 * a frozen host, a network partition), or with `reset` resets both connections (a failover).
 */
async function pgFaultProxy(marker: string, fault: 'stall' | 'reset'): Promise<{ port: number; close: () => Promise<void> }> {
  const pg = new URL(PG_ADMIN_URL);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: pg.hostname, port: Number(pg.port || 5432) });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    }
    let faulted = false;
    client.on('data', (b: Buffer) => {
      if (faulted) return;
      upstream.write(b);
      if (!b.includes(marker)) return;
      faulted = true;
      if (fault === 'reset') setTimeout(() => (client.resetAndDestroy(), upstream.destroy()), 300);
    });
    upstream.on('data', (b: Buffer) => {
      if (!faulted && !client.destroyed) client.write(b);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

// Both stores at once, and each store's tests at once: most of their time is waiting for a step's
// time limit, a kill's grace or a transfer, and each test has its own executions, servers and proxies.
describe.concurrent.each([
  ['SQLite', false],
  ['PostgreSQL', true],
])('steps that do not end by themselves (%s store)', (_name, onPostgres) => {
  let db: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  let target: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  beforeAll(async () => {
    if (!pgOk) return;
    db = onPostgres ? await createMigratedTestDatabase('opsbook_exec_stall') : undefined;
    target = await createTestDatabase('opsbook_exec_target');
  });
  afterAll(async () => {
    await db?.drop();
    await target?.drop();
  });
  const open = (config: Parameters<typeof harness>[0]['config'], text: string): Promise<Harness> =>
    harness({ config, runbooks: [{ file: 's.md', text }], clock: 'system', ...(db ? { storeUrl: db.url } : {}) });

  it.skipIf(!pgOk)('a shell step whose script leaves a background child ends when its script does, and the child is killed', async () => {
    const h = await open(
      { services: [{ id: 'app', shell: { cwd: '.' } }], procedures: { 's.md#rb-1': { timeout: '60s' } } },
      '# S\n\n## RB-1: Look\n\n**Diagnosis:**\n```bash\n./probe.sh\nsleep 1000 &\n```\n',
    );
    try {
      // A script that starts a helper and returns, the helper keeping the step's output pipe open.
      await writeFile(join(h.dir, 'probe.sh'), '#!/bin/bash\necho started\nsleep 1000 &\necho $! > child.pid\n', { mode: 0o755 });
      const { id, plan } = await h.service.start('s.md#RB-1', responder);
      // The reader keeps the `&`; a command sent to the background is not run (the step would kill it at once).
      expect(plan.steps[0]!.commands[1]).toMatchObject({ text: 'sleep 1000 &', runnable: false, why: expect.stringMatching(/runs in the background/) });
      // Well under the step's 60 s limit: the script itself is over at once.
      const result = await within(scaled(20_000), h.service.runStep(id, 1, responder, { yes: true }));
      expect(result).not.toBe('still running');
      if (result === 'still running') return;
      expect(result.entries.map((e) => [e.text, e.status])).toEqual([['./probe.sh', 'ok'], ['sleep 1000 &', 'not_runnable']]);
      expect(result.entries[0]).toMatchObject({ exitCode: 0, stdout: 'started\n' });
      const pid = Number(await readFile(join(h.dir, 'child.pid'), 'utf8'));
      const alive = (): boolean => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      };
      for (const end = Date.now() + scaled(5_000); alive() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 100));
      expect(alive()).toBe(false);
    } finally {
      await h.cleanup();
    }
  });

  for (const fault of ['stall', 'reset'] as const) {
    it.skipIf(!pgOk)(`a SQL step whose server ${fault === 'stall' ? 'stops answering' : 'drops the connection'} mid-statement ends (${fault}), says why, and the execution goes on`, async () => {
      const proxy = await pgFaultProxy('stall_marker', fault);
      const url = new URL(target!.url);
      url.host = `127.0.0.1:${proxy.port}`;
      const crashes: unknown[] = [];
      const onCrash = (e: unknown): void => void crashes.push(e);
      // Vitest reports uncaught exceptions too; listening here keeps the reason in the test's own failure.
      process.on('uncaughtException', onCrash);
      // A stalled statement ends at its 2 s limit; a reset one ends at the reset, so its limit is long
      // enough that a loaded machine (connecting, sending, then 300 ms) never reaches it first.
      const h = await open(
        { services: [{ id: 'db', postgres: { url: url.toString() } }], procedures: { 's.md#rb-2': { timeout: fault === 'stall' ? '2s' : '30s' } } },
        "# S\n\n## RB-2: Look\n\n**Diagnosis:**\n```sql\nSELECT 'stall_marker' AS m, pg_sleep(1);\n```\n\n```sql\nSELECT 1 AS one;\n```\n",
      );
      try {
        const { id } = await h.service.start('s.md#RB-2', responder);
        const result = await within(scaled(30_000), h.service.runStep(id, 1, responder));
        expect(result).not.toBe('still running');
        if (result === 'still running') return;
        await new Promise((r) => setTimeout(r, 500));
        expect(crashes.map(String)).toEqual([]);
        const entry = result.entries[0]!;
        if (fault === 'stall') {
          expect(entry.status).toBe('timeout');
          expect(entry.stderr).toMatch(/timed out after 2 s/);
        } else {
          expect(entry.status).toBe('failed');
          expect(entry.stderr).toMatch(/ECONNRESET|Connection terminated/);
        }
        // The execution is free for its next step.
        await proxy.close();
        expect((await h.service.get(id)).state).toBe('running');
      } finally {
        process.off('uncaughtException', onCrash);
        await h.cleanup();
        await proxy.close();
      }
    });
  }

  it.skipIf(!pgOk || !redisOk)('a Redis step against a server that accepts and never answers times out at its limit and says so', async () => {
    const redis = new URL(REDIS_URL);
    const proxy = await startTcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) }, 'stall');
    const h = await open(
      { services: [{ id: 'cache', redis: { url: `redis://${proxy.address}` } }], procedures: { 's.md#rb-4': { timeout: '2s' } } },
      '# S\n\n## RB-4: Look\n\n**Diagnosis:**\n```bash\nredis-cli LLEN queue\n```\n',
    );
    try {
      const { id } = await h.service.start('s.md#RB-4', responder);
      const result = await within(scaled(30_000), h.service.runStep(id, 1, responder));
      expect(result).not.toBe('still running');
      if (result === 'still running') return;
      expect(result.entries[0]).toMatchObject({ status: 'timeout', stderr: expect.stringMatching(/timed out after 2 s/) });
    } finally {
      await h.cleanup();
      await proxy.close();
    }
  });

  it.skipIf(!pgOk)('an HTTP step answered with a body larger than the output limit keeps a bounded transcript; a stream cut by the timeout keeps what came', async () => {
    const chunk = Buffer.alloc(1 << 20, 'x');
    const server = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      let sent = 0;
      const endless = req.url === '/stream';
      const write = (): void => {
        while (endless || sent < 24) {
          sent++;
          if (res.destroyed) return;
          if (!res.write(chunk)) return void res.once('drain', write);
        }
        res.end();
      };
      write();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    const h = await open(
      // The whole body must arrive within its limit however loaded the machine (24 MiB through a
      // test server beside the suite); the endless stream is cut by its own 3 s.
      { services: [{ id: 'api', base_url: base, aliases: ['api'] }], procedures: { 's.md#rb-3': { timeout: '3s' }, 's.md#rb-4': { timeout: '600s' } } },
      '# S\n\n## RB-3: Look\n\n**Diagnosis:**\n```bash\ncurl http://api/stream\n```\n\n## RB-4: Read all\n\n**Diagnosis:**\n```bash\ncurl http://api/big\n```\n',
    );
    try {
      const reading = await h.service.start('s.md#RB-4', responder);
      const big = (await h.service.runStep(reading.id, 1, responder)).entries[0]!;
      expect(big.status).toBe('ok');
      expect(big.truncated).toBe(true);
      const whole = await h.service.fullOutput(big, 'stdout');
      // At most the documented in-memory limit per stream, and it says what was left out.
      expect(Buffer.byteLength(whole)).toBeLessThan(MAX_OUTPUT_BYTES + 1024);
      expect(whole).toMatch(/\[opsbook: \d+ more bytes dropped\]$/);
      const { id } = await h.service.start('s.md#RB-3', responder);
      const cut = (await h.service.runStep(id, 1, responder)).entries[0]!;
      expect(cut.status).toBe('timeout');
      expect(cut.stdout.startsWith('xxxx')).toBe(true);
      expect(cut.stderr).toMatch(/timed out after 3 s/);
    } finally {
      await h.cleanup();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});

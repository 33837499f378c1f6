/**
 * The audit head is published to a file beside the config (`audit.head_file`) that the database
 * cannot rewrite, and `opsbook audit verify` checks the chain against it by default: it passes on
 * an untouched store and fails when the last row is deleted or when an entry is edited and the
 * whole chain rehashed to match.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditHead, entryHash, GENESIS_HASH } from '../../src/store/index.js';
import { runCli } from '../support/cli.js';
import { startDaemonApp, type DaemonApp } from '../support/daemon-app.js';

let server: DaemonApp;
const boss = { name: 'boss', role: 'admin' as const, via: 'cli' as const };

beforeAll(async () => {
  server = await startDaemonApp('audit-head', {
    'ops.yaml': 'users:\n  - name: boss\n    role: admin\naudit:\n  head_file: audit.head\n',
  });
});
afterAll(async () => {
  await server?.close();
});

interface Row { seq: number; at: number; actor: string; action: string; subject: string; details: string; prev_hash: string; hash: string }

/** Rewrites every entry from `from` on so the chain is self-consistent again (what an attacker with the database would do). */
function rehash(db: Database.Database, from: number): void {
  const rows = db.prepare('select * from audit_log order by seq').all() as Row[];
  let prev = from > 1 ? rows.find((r) => r.seq === from - 1)!.hash : GENESIS_HASH;
  for (const r of rows.filter((x) => x.seq >= from)) {
    const hash = entryHash(prev, { seq: r.seq, at: r.at, actor: r.actor, action: r.action, subject: r.subject, details: r.details });
    db.prepare('update audit_log set prev_hash = ?, hash = ? where seq = ?').run(prev, hash, r.seq);
    prev = hash;
  }
}

describe('published audit head', () => {
  it('is written beside the config after every action (coalesced within 250 ms) and used by audit verify by default', async () => {
    const ops = server.daemon.operations!;
    for (let i = 0; i < 3; i++) await ops.createIncident({ title: `incident ${i}`, severity: 'P1' }, boss);
    const headFile = path.join(server.dir, 'audit.head');
    const head = await auditHead(server.daemon.store.db);
    expect(head.seq).toBeGreaterThanOrEqual(3);
    // Written at once, or within HEAD_WRITE_INTERVAL_MS when another write just happened.
    const deadline = Date.now() + 20_000;
    while (fs.readFileSync(headFile, 'utf8').trim() !== `${head.seq} ${head.hash}` && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(fs.readFileSync(headFile, 'utf8').trim()).toBe(`${head.seq} ${head.hash}`);

    const config = path.join(server.dir, 'ops.yaml');
    const dbFile = path.join(server.dir, '.opsbook', 'opsbook.db');
    const results: Record<string, { code: number | null; out: string }> = {};
    await server.restart(async () => {
      const verify = async (name: string) => {
        const r = await runCli(['audit', 'verify', '--config', config]);
        results[name] = { code: r.code, out: r.stdout + r.stderr };
      };
      await verify('untouched');
      fs.copyFileSync(dbFile, `${dbFile}.orig`);

      const db = new Database(dbFile);
      db.prepare('delete from audit_log where seq = (select max(seq) from audit_log)').run();
      db.close();
      await verify('last row deleted');

      fs.copyFileSync(`${dbFile}.orig`, dbFile);
      const db2 = new Database(dbFile);
      db2.prepare("update audit_log set details = '{\"edited\":true}' where seq = 2").run();
      rehash(db2, 2);
      db2.close();
      await verify('edited and rehashed');

      fs.copyFileSync(`${dbFile}.orig`, dbFile);
      fs.rmSync(`${dbFile}.orig`);
    });
    expect(results.untouched, results.untouched?.out).toMatchObject({ code: 0 });
    expect(results.untouched!.out).toContain('audit.head');
    expect(results['last row deleted']!.code, results['last row deleted']!.out).toBe(1);
    expect(results['last row deleted']!.out).toContain('head_mismatch');
    expect(results['edited and rehashed']!.code, results['edited and rehashed']!.out).toBe(1);
    expect(results['edited and rehashed']!.out).toContain('head_mismatch');
  });
});

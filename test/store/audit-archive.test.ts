/**
 * The audit log is archived, never pruned: `opsbook audit archive --before DATE FILE` moves the old
 * prefix of the chain to a file and keeps its anchor, so the store's part verifies alone and
 * `audit verify --archive FILE…` verifies the whole chain across archives and store.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit, listAudit, openStore } from '../../src/store/index.js';
import { runCli } from '../support/cli.js';
import { scaled } from '../support/timing.js';

const DAY = 86_400_000;
const T0 = Date.parse('2025-01-01T00:00:00Z');

describe('audit archive', { timeout: scaled(180_000) }, () => {
  let dir: string;
  const db = (): string => path.join(dir, 'opsbook.db');
  const cli = (args: string[]) => runCli(args, { cwd: dir, env: { OPSBOOK_USER: '' } });

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-audit-archive-'));
    fs.writeFileSync(path.join(dir, 'ops.yaml'), 'storage:\n  url: opsbook.db\nchecks: []\n');
    const store = await openStore({ url: db() });
    await store.migrate();
    // 30 entries, one a day through January 2025.
    for (let i = 0; i < 30; i++) await appendAudit(store.db, store.dialect, { at: T0 + i * DAY, actor: 'user:ana', action: 'incident.acknowledge', subject: `incident:${i}`, details: { i } });
    await store.close();
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('moves the entries before the date to a file, and both parts verify', async () => {
    const first = await cli(['audit', 'archive', '--before', '2025-01-11', 'a1.jsonl']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/archived entries 1–10 \(10\) to .*a1\.jsonl/);
    const lines = fs.readFileSync(path.join(dir, 'a1.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(11);
    expect(JSON.parse(lines[0]!)).toMatchObject({ format: 'opsbook-audit-archive/1', from_seq: 1, to_seq: 10, prev_hash: '0'.repeat(64) });

    // The store alone verifies from the anchor, saying what it did not check.
    const alone = await cli(['audit', 'verify']);
    expect(alone.code).toBe(0);
    expect(alone.stdout).toMatch(/^ok: 21 entries; entries 1–10 are archived/);
    const whole = await cli(['audit', 'verify', '--archive', 'a1.jsonl']);
    expect(whole.code).toBe(0);
    expect(whole.stdout).toMatch(/^ok: 31 entries, 10 of them from 1 archive/);

    // A second archive continues from the first; the two and the store verify as one chain.
    const second = await cli(['audit', 'archive', '--before', '2025-01-21', 'a2.jsonl']);
    expect(second.stdout).toMatch(/archived entries 11–20 \(10\)/);
    const both = await cli(['audit', 'verify', '--archive', 'a2.jsonl', 'a1.jsonl']);
    expect(both.code).toBe(0);
    expect(both.stdout).toMatch(/^ok: 32 entries, 20 of them from 2 archive/);
    // The archive actions are audited themselves.
    const store = await openStore({ url: db() });
    const entries = await listAudit(store.db);
    await store.close();
    expect(entries.filter((e) => e.action === 'audit.archive').map((e) => JSON.parse(e.details).to_seq)).toEqual([10, 20]);
    expect(Number(entries[0]!.seq)).toBe(21);
  });

  it('finds a tampered archive, a missing archive and a deleted store entry after the anchor', async () => {
    const a1 = path.join(dir, 'a1.jsonl');
    const original = fs.readFileSync(a1, 'utf8');
    try {
      fs.writeFileSync(a1, original.replace('"actor":"user:ana"', '"actor":"user:mallory"'));
      const edited = await cli(['audit', 'verify', '--archive', 'a1.jsonl', 'a2.jsonl']);
      expect(edited.code).toBe(1);
      expect(edited.stderr).toMatch(/entry 1 was edited .*\[edited\]/);
    } finally {
      fs.writeFileSync(a1, original);
    }
    const missing = await cli(['audit', 'verify', '--archive', 'a2.jsonl']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/entry 11 .*\[gap\]/);

    const { default: Sqlite } = await import('better-sqlite3');
    const raw = new Sqlite(db());
    const row = raw.prepare('select * from audit_log where seq = 21').get();
    raw.prepare('delete from audit_log where seq = 21').run();
    try {
      const cut = await cli(['audit', 'verify']);
      expect(cut.code).toBe(1);
      expect(cut.stderr).toMatch(/entry 22 .*\[gap\]/);
    } finally {
      raw.prepare('insert into audit_log (seq, at, actor, action, subject, details, prev_hash, hash) values (@seq, @at, @actor, @action, @subject, @details, @prev_hash, @hash)').run(row);
      raw.close();
    }
  });

  it('refuses a bad date and an existing file, and keeps the newest entry', async () => {
    const bad = await cli(['audit', 'archive', '--before', 'next tuesday', 'x.jsonl']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("option '--before <date>' argument 'next tuesday' is invalid. must be an ISO 8601 date");
    const exists = await cli(['audit', 'archive', '--before', '2030-01-01', 'a1.jsonl']);
    expect(exists.code).not.toBe(0);
    expect(exists.stderr).toMatch(/OPSBOOK_E_ARCHIVE_EXISTS|exists; an archive is never overwritten/);
    const all = await cli(['audit', 'archive', '--before', '2100-01-01', 'a3.jsonl']);
    expect(all.code).toBe(0);
    const verified = await cli(['audit', 'verify', '--archive', 'a1.jsonl', 'a2.jsonl', 'a3.jsonl']);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/^ok: \d+ entries/);
    const head = await cli(['audit', 'head']);
    expect(Number(head.stdout.split(' ')[0])).toBeGreaterThan(30);
  });
});

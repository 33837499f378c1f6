/**
 * The audit head file at start: several processes of one store (a cluster sharing its config
 * directory) each publish the head they find, so a head naming the empty chain must be accepted by
 * the next process, while a head the store does not hold is still reported and kept as evidence.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { OpsConfig } from '../config/index.js';
import { appendAudit, openStore, type Store } from '../store/index.js';
import { publishAuditHead, readPublishedHead } from './audit-head.js';
import { createLogger } from './logger.js';
import { scaled } from '../../test/support/timing.js';

function capture(): { logger: ReturnType<typeof createLogger>; errors: () => string[] } {
  const lines: string[] = [];
  const destination = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
  const logger = createLogger({ destination, level: 'info' });
  return { logger, errors: () => lines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level >= 50).map((l) => l.msg) };
}

describe('audit head file at start', () => {
  let dir: string;
  let store: Store;
  const config = { audit: { head_file: 'opsbook-audit.head' } } as OpsConfig;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-audit-head-'));
    store = await openStore({ url: path.join(dir, 'opsbook.db') });
    await store.migrate();
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a second process on an empty store accepts the empty head the first one published', async () => {
    const first = capture();
    const stopFirst = await publishAuditHead(store, config, dir, first.logger);
    await stopFirst();
    expect(readPublishedHead(path.join(dir, 'opsbook-audit.head'))).toMatchObject({ seq: 0 });
    const second = capture();
    const stopSecond = await publishAuditHead(store, config, dir, second.logger);
    await stopSecond();
    expect(second.errors()).toEqual([]);
    expect(fs.readdirSync(dir).filter((f) => f.includes('mismatch'))).toEqual([]);
  });

  it('a head the store does not hold is reported and kept beside, then the store head is published', async () => {
    const entry = await appendAudit(store.db, store.dialect, { at: 1, actor: 'alice', action: 'test', subject: 'x' });
    fs.writeFileSync(path.join(dir, 'opsbook-audit.head'), `${entry.seq} ${'a'.repeat(64)}\n`);
    const log = capture();
    const stop = await publishAuditHead(store, config, dir, log.logger);
    await stop();
    expect(log.errors()).toEqual([expect.stringMatching(/does not hold the published head/)]);
    expect(fs.readdirSync(dir).filter((f) => f.includes('mismatch'))).toHaveLength(1);
    expect(readPublishedHead(path.join(dir, 'opsbook-audit.head'))).toEqual({ seq: Number(entry.seq), hash: entry.hash });
  });

  it('an empty head stays valid once entries follow it, and the newest entry is published', async () => {
    fs.writeFileSync(path.join(dir, 'opsbook-audit.head'), `0 ${'0'.repeat(64)}\n`);
    const entry = await appendAudit(store.db, store.dialect, { at: 1, actor: 'alice', action: 'test', subject: 'x' });
    const log = capture();
    const stop = await publishAuditHead(store, config, dir, log.logger);
    await stop();
    expect(log.errors()).toEqual([]);
    expect(readPublishedHead(path.join(dir, 'opsbook-audit.head'))).toEqual({ seq: Number(entry.seq), hash: entry.hash });
  });

  it('heads committed while running are written off the event loop, in order, and the stop publishes the newest', async () => {
    const file = path.join(dir, 'opsbook-audit.head');
    const log = capture();
    const stop = await publishAuditHead(store, config, dir, log.logger);
    // A synchronous write and rename would hold the event loop between an alert's commit and its webhook.
    const renameSync = vi.spyOn(fs, 'renameSync');
    const writeFileSync = vi.spyOn(fs, 'writeFileSync');
    try {
      let entry = await appendAudit(store.db, store.dialect, { at: 1, actor: 'alice', action: 'test', subject: 'x' });
      for (const end = Date.now() + scaled(5_000); readPublishedHead(file)?.seq !== Number(entry.seq) && Date.now() < end; ) await new Promise((r) => setTimeout(r, 25));
      expect(readPublishedHead(file)).toEqual({ seq: Number(entry.seq), hash: entry.hash });
      for (let i = 2; i <= 20; i++) entry = await appendAudit(store.db, store.dialect, { at: i, actor: 'alice', action: 'test', subject: 'x' });
      expect(renameSync).not.toHaveBeenCalled();
      expect(writeFileSync).not.toHaveBeenCalled();
      await stop();
      expect(readPublishedHead(file)).toEqual({ seq: Number(entry.seq), hash: entry.hash });
      expect(log.errors()).toEqual([]);
      expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    } finally {
      renameSync.mockRestore();
      writeFileSync.mockRestore();
    }
  });
});

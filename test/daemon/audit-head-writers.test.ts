/**
 * Processes of a cluster that share their config directory publish the audit head to one file. Each
 * writes its own temporary file and renames it, so a reader only ever sees one whole head line:
 * with one temporary file name for all, a writer renamed another's half-written file into place.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readPublishedHead } from '../../src/daemon/audit-head.js';
import { childArgs } from '../support/child-script.js';
import { scaled } from '../support/timing.js';

describe('audit head file written by several processes', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-head-writers-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('always holds one whole head line while three processes write it', async () => {
    const file = path.join(dir, 'opsbook-audit.head');
    const args = await childArgs('test/daemon/head-writer.ts');
    const writers = ['a', 'b', 'c'].map((id) => spawn(process.execPath, [...args, file, '1500', id], { stdio: ['ignore', 'pipe', 'inherit'] }));
    const exits = writers.map((w) => new Promise<number | null>((resolve) => w.on('close', resolve)));
    let running = writers.length;
    void Promise.all(exits).then(() => (running = 0));
    const bad: string[] = [];
    let reads = 0;
    while (running > 0) {
      try {
        readPublishedHead(file);
        reads++;
      } catch (e) {
        bad.push((e as Error).message);
      }
      await new Promise((r) => setImmediate(r));
    }
    expect(await Promise.all(exits)).toEqual([0, 0, 0]);
    expect(bad).toEqual([]);
    expect(reads).toBeGreaterThan(0);
    expect(readPublishedHead(file)?.seq).toBe(1500);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  }, scaled(600_000));
});

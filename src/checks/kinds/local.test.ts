/** command and file kinds against a real child process and real files with set mtimes. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runConfig } from '../testing/index.js';

describe('command kind', () => {
  it('passes on exit code 0 and exposes stdout as [VALUE]', async () => {
    const r = await runConfig({ kind: 'command', command: ['sh', '-c', 'echo 742'], warning: '[VALUE] > 500', critical: '[VALUE] > 1000' });
    expect(r).toMatchObject({ status: 'up', level: 'warning', value: 742 });
  });

  it('fails on a non-zero exit and shows it', async () => {
    const r = await runConfig({ kind: 'command', command: 'echo broken >&2; exit 3', conditions: ['[EXIT_CODE] == 0', '[STDERR] == broken'] });
    expect(r.status).toBe('down');
    expect(r.conditions.map((c) => c.actual)).toEqual(['3', 'broken']);
  });

  it('kills the process group at the timeout', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-cmd-'));
    const marker = path.join(dir, 'late');
    const r = await runConfig({ kind: 'command', command: `sleep 2; touch ${marker}`, timeout: '200ms' });
    expect(r).toMatchObject({ status: 'down', error: 'timeout after 200ms' });
    await new Promise((res) => setTimeout(res, 2500));
    expect(fs.existsSync(marker)).toBe(false);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reports a missing program', async () => {
    const r = await runConfig({ kind: 'command', command: ['/nonexistent/opsbook-probe'] });
    expect(r.status).toBe('down');
    expect(r.error).toContain('ENOENT');
  });
});

describe('file kind', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-backups-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, bytes: number, ageHours: number): void => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, Buffer.alloc(bytes, 1));
    const t = (Date.now() - ageHours * 3_600_000) / 1000;
    fs.utimesSync(p, t, t);
  };

  it('checks the newest matching file for age and size', async () => {
    write('muejam_library_20260101.sql.gz', 5000, 50);
    write('muejam_library_20260102.sql.gz', 2048, 2);
    write('notes.txt', 10, 0);
    const r = await runConfig({ kind: 'file', path: path.join(dir, '*.sql.gz'), max_age: '25h', min_size: 1024 });
    expect(r.status).toBe('up');
    expect(r.conditions.map((c) => [c.text, c.actual])).toEqual([
      ['[FILES] > 0', '2'],
      ['[AGE] < 90000000ms', expect.stringMatching(/^2h/)],
      ['[SIZE] >= 1024', '2048'],
    ]);
  });

  it('fails when the newest backup is too old or too small', async () => {
    const old = await runConfig({ kind: 'file', path: path.join(dir, '*.sql.gz'), max_age: '1h' });
    expect(old.status).toBe('down');
    const small = await runConfig({ kind: 'file', path: path.join(dir, '*.sql.gz'), min_size: 4096 });
    expect(small.status).toBe('down');
    const none = await runConfig({ kind: 'file', path: path.join(dir, '*.dump') });
    expect(none.conditions[0]).toMatchObject({ ok: false, actual: '0' });
  });

  it('checks the oldest match for log cleanup: nothing older than 30 days left', async () => {
    const logs = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-logs-'));
    try {
      const log = (name: string, ageDays: number): void => {
        const p = path.join(logs, name);
        fs.writeFileSync(p, 'log line\n');
        const t = (Date.now() - ageDays * 86_400_000) / 1000;
        fs.utimesSync(p, t, t);
      };
      log('postgresql-a.log', 12);
      log('postgresql-b.log', 1);
      log('postgresql-old.log.gz', 90); // not a match of *.log
      const clean = await runConfig({ kind: 'file', path: path.join(logs, '*.log'), max_oldest_age: '31d' });
      expect(clean.status).toBe('up');
      expect(clean.conditions.map((c) => [c.text, c.actual])).toEqual([
        ['[FILES] > 0', '2'],
        ['[OLDEST_AGE] < 2678400000ms', expect.stringMatching(/^12d|^288h/)],
      ]);
      log('postgresql-c.log', 45);
      const stale = await runConfig({ kind: 'file', path: path.join(logs, '*.log'), max_oldest_age: '31d' });
      expect(stale.status).toBe('down');
      expect(stale.conditions[1]).toMatchObject({ ok: false, actual: expect.stringMatching(/^45d|^1080h/) });
      // The same in the condition language (the 45-day log is still there), and the newest match's age is still [AGE].
      const written = await runConfig({ kind: 'file', path: path.join(logs, '*.log'), conditions: ['[OLDEST_AGE] < 31d', '[AGE] < 2d'] });
      expect(written.conditions.map((c) => [c.text, c.ok])).toEqual([['[OLDEST_AGE] < 31d', false], ['[AGE] < 2d', true]]);
    } finally {
      fs.rmSync(logs, { recursive: true, force: true });
    }
  });
});

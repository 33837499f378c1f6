import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { propose } from './index.js';
import type { Item } from './model.js';

const root = path.resolve(import.meta.dirname, '../..');
const itemsOf = async (file: string): Promise<Item[]> => propose([{ text: await readFile(path.join(root, file), 'utf8'), ref: path.basename(file) }]).items;
const byId = (items: Item[], section: string): Record<string, Record<string, unknown>> => Object.fromEntries(items.filter((i) => i.section === section).map((i) => [i.id, i.body]));

describe('import: a scheduled backup is a file check where the runbook writes it, else a heartbeat', () => {
  it('seed 000: pg_dump writes the System and Tenant DB backups (files); the hourly Redis RDB snapshot has no command (heartbeat)', async () => {
    const checks = byId(await itemsOf('examples/nxentra/runbooks/nxentra.md'), 'checks');
    expect(checks['nxentra-backup-system-db']).toMatchObject({ kind: 'file', max_age: '26h' });
    expect(checks['nxentra-backup-tenant-dbs']).toMatchObject({ kind: 'file', max_age: '26h' });
    expect(checks['nxentra-backup-redis']).toMatchObject({ kind: 'heartbeat', period: '1h', grace: '5m' });
  });

  it('seed 001: the 2 AM / 3 AM daily backups are heartbeats (the dumps it shows are made before maintenance), each its recovery point', async () => {
    const items = await itemsOf('examples/novapulse/runbooks/novapulse.md');
    const checks = byId(items, 'checks');
    expect(checks['novapulse-backup-mongodb']).toMatchObject({ kind: 'heartbeat', period: '1d', grace: '2h' });
    expect(checks['novapulse-backup-redis']).toMatchObject({ kind: 'heartbeat', period: '1d' });
    expect(Object.values(byId(items, 'slos'))).toContainEqual(expect.objectContaining({ kind: 'recovery_point', check: 'novapulse-backup-mongodb', target: '26h' }));
  });

  it('seed 002: the daily full backup is a file; weekly and monthly are heartbeats of 1w and 31d; the RPO\'s "hourly backups" is one, and the RPO\'s check', async () => {
    const items = await itemsOf('examples/django-finance/runbooks/django-finance.md');
    const checks = byId(items, 'checks');
    expect(checks['django-finance-backup-full-backup']).toMatchObject({ kind: 'file', max_age: '26h' });
    expect(checks['django-finance-backup-weekly-snapshot']).toMatchObject({ kind: 'heartbeat', period: '1w' });
    expect(checks['django-finance-backup-monthly-archive']).toMatchObject({ kind: 'heartbeat', period: '31d' });
    expect(checks['django-finance-backup-hourly-backup']).toMatchObject({ kind: 'heartbeat', period: '1h' });
    expect(Object.values(byId(items, 'slos')).filter((s) => s.kind === 'recovery_point')).toEqual([expect.objectContaining({ check: 'django-finance-backup-hourly-backup', target: '1h' })]);
  });

  it('seed 003: "find … -mtime +30 -delete" (logs, and the backup script\'s retention through its BACKUP_DIR) is a check that nothing older than 31 days is left', async () => {
    const checks = Object.values(byId(await itemsOf('examples/library/runbooks/library.md'), 'checks')).filter((c) => c.max_oldest_age !== undefined);
    expect(checks.map((c) => [c.path, c.max_oldest_age])).toEqual([
      ['/var/log/postgresql/*.log', '31d'],
      ['/var/log/redis/*.log', '31d'],
      ['/backups/postgresql/*.sql.gz', '31d'],
    ]);
    expect(checks.every((c) => c.kind === 'file' && c.max_age === undefined)).toBe(true);
  });

  it('a runbook of another shape: a dump made before an upgrade is not the nightly job; no writer anywhere gives heartbeats', async () => {
    const items = await itemsOf('test/fixtures/import/shop-backups.md');
    const checks = byId(items, 'checks');
    expect(checks['shop-platform-backup-orders-database']).toMatchObject({ kind: 'heartbeat', period: '1d' });
    expect(checks['shop-platform-backup-search-index']).toMatchObject({ kind: 'heartbeat', period: '1w', grace: '14h' });
    expect(checks['shop-platform-backup-invoices-archive']).toMatchObject({ kind: 'heartbeat', period: '31d' });
    // The RPO's "nightly backups" is the schedule the table already lists: no second one.
    expect(Object.values(checks).filter((c) => c.kind === 'heartbeat')).toHaveLength(3);
    // The same job shown writing its file on the schedule: a file check.
    const text = (await readFile(path.join(root, 'test/fixtures/import/shop-backups.md'), 'utf8')).replace('### Before an upgrade', '### Nightly job');
    const written = byId(propose([{ text, ref: 'shop.md' }]).items, 'checks');
    expect(written['shop-platform-backup-orders-database']).toMatchObject({ kind: 'file', max_age: '26h' });
  });
});

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { propose } from './index.js';
import type { Item } from './model.js';

const root = path.resolve(import.meta.dirname, '../..');
const itemsOf = async (file: string): Promise<Item[]> => propose([{ text: await readFile(path.join(root, file), 'utf8'), ref: path.basename(file) }]).items;
const rulesOn = (items: Item[], check: string): Record<string, unknown>[] => items.filter((i) => i.section === 'rules' && i.body.check === check).map((i) => i.body);
const check = (items: Item[], id: string): Record<string, unknown> | undefined => items.find((i) => i.section === 'checks' && i.id === id)?.body;

describe('import: the data stores a runbook\'s commands talk to are checked', () => {
  it('seed 003: redis-cli ping in Cache Failure is a redis check whose down rule has the procedure\'s P2; psql is a postgres check', async () => {
    const items = await itemsOf('examples/library/runbooks/library.md');
    const redis = items.find((i) => i.section === 'checks' && i.body.kind === 'redis' && i.body.key === undefined);
    expect(redis?.body).toMatchObject({ url: expect.stringMatching(/_REDIS_URL\}$/), runbook: 'library.md#cache-failure' });
    expect(rulesOn(items, redis!.id)).toEqual([expect.objectContaining({ severity: 'P2' })]);
    const postgres = items.find((i) => i.section === 'checks' && i.body.kind === 'postgres' && i.body.query === undefined)!;
    // Its first psql is a diagnosis in "Connection Pool Exhaustion" (P1): that is not the database down, so no page.
    expect(rulesOn(items, postgres.id)).toEqual([expect.objectContaining({ severity: 'P4' })]);
  });

  it('seed 001: mongosh ping and rs.status() are two mongodb checks, the replica set one wanting a primary', async () => {
    const items = await itemsOf('examples/novapulse/runbooks/novapulse.md');
    expect(check(items, 'novapulse-mongodb')).toMatchObject({ kind: 'mongodb', server_status: true, runbook: 'novapulse.md#database-connection-issues' });
    expect(check(items, 'novapulse-mongodb-replica-set')).toMatchObject({ kind: 'mongodb', replica_set: true, conditions: expect.arrayContaining(['[PRIMARY] != ""']) });
    // No severity stated in those procedures: the least urgent on the ladder, never a page.
    expect(rulesOn(items, 'novapulse-mongodb')).toEqual([expect.objectContaining({ severity: 'P4' })]);
  });

  it('a runbook of another shape: PING in capitals with a db number, pg_isready, the legacy mongo shell, a SEV ladder', async () => {
    const items = await itemsOf('test/fixtures/import/catalog-stores.md');
    expect(check(items, 'catalog-service-redis')).toMatchObject({ kind: 'redis', runbook: 'catalog-stores.md#search-index-unreachable' });
    expect(rulesOn(items, 'catalog-service-redis')).toEqual([expect.objectContaining({ severity: 'SEV2' })]);
    expect(check(items, 'catalog-service-postgres')).toMatchObject({ kind: 'postgres' });
    expect(check(items, 'catalog-service-mongodb')).toMatchObject({ kind: 'mongodb' });
    expect(check(items, 'catalog-service-mongodb-replica-set')).toMatchObject({ replica_set: true });
    expect(rulesOn(items, 'catalog-service-mongodb-replica-set')).toEqual([expect.objectContaining({ severity: 'SEV3' })]);
  });

  it('seed 002: "DB connections > 80% / > 95%" is read from pg_stat_activity as its diagnosis does; "Continuous WAL archiving" is watched', async () => {
    const items = await itemsOf('examples/django-finance/runbooks/django-finance.md');
    expect(check(items, 'django-finance-db-connections')).toMatchObject({ kind: 'postgres', query: expect.stringMatching(/from pg_stat_activity/), warning: ['[VALUE] > 80%'], critical: ['[VALUE] > 95%'] });
    expect(check(items, 'django-finance-wal-archiving')).toMatchObject({ kind: 'postgres', query: expect.stringMatching(/from pg_stat_archiver/), conditions: ['[VALUE] == 0'] });
    expect(rulesOn(items, 'django-finance-wal-archiving')).toHaveLength(1);
  });

  it('seed 004: an archive_command is WAL archiving to watch', async () => {
    const items = await itemsOf('examples/apex/runbooks/apex.md');
    expect(items.filter((i) => i.section === 'checks' && /pg_stat_archiver/.test(String(i.body.query)))).toHaveLength(1);
  });

  it('a runbook of another shape: "PostgreSQL connections" in a bullet, pg_stat_activity in an sql block, archive_command in a conf block', async () => {
    const items = await itemsOf('test/fixtures/import/catalog-stores.md');
    const connections = items.find((i) => i.section === 'checks' && /pg_stat_activity/.test(String(i.body.query)));
    expect(connections?.body).toMatchObject({ kind: 'postgres', critical: ['[VALUE] > 90%'] });
    expect(check(items, 'catalog-service-wal-archiving')).toMatchObject({ kind: 'postgres' });
    // Without a read of pg_stat_activity the runbook does not say where connections are counted.
    const text = ['# Shop', '', '**Alert Thresholds**:', '- DB connections > 80%: Warning', ''].join('\n');
    const bare = propose([{ text, ref: 'shop.md' }]).items.find((i) => i.section === 'checks');
    expect(bare?.body).toMatchObject({ kind: 'metrics', gauge: expect.stringMatching(/^\$\{TODO_/) });
  });
});


import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { propose, type Proposal } from './index.js';

const root = path.resolve(import.meta.dirname, '../..');
const of = async (file: string, extra = ''): Promise<Proposal> => propose([{ text: (await readFile(path.join(root, file), 'utf8')) + extra, ref: path.basename(file) }]);
const slos = (p: Proposal): Record<string, unknown>[] => p.items.filter((i) => i.section === 'slos').map((i) => i.body);

describe('import: the recovery point a backup schedule promises', () => {
  it('seed 000 states no RPO: each daily backup is a recovery point of its max_age, on its own check', async () => {
    const p = await of('examples/nxentra/runbooks/nxentra.md');
    const rpo = slos(p).filter((s) => s.kind === 'recovery_point');
    expect(rpo).toContainEqual(expect.objectContaining({ check: 'nxentra-backup-system-db', target: '26h' }));
    expect(rpo).toContainEqual(expect.objectContaining({ check: 'nxentra-backup-tenant-dbs', target: '26h' }));
  });

  it('seed 002 states its RPO: that one stands, no other is derived', async () => {
    const rpo = slos(await of('examples/django-finance/runbooks/django-finance.md')).filter((s) => s.kind === 'recovery_point');
    expect(rpo).toEqual([expect.objectContaining({ target: '1h' })]);
  });

  it('a runbook of another shape: a weekly backup section with its script', async () => {
    const p = await of('test/fixtures/import/wiki-backups.md');
    const backup = p.items.find((i) => i.section === 'checks' && i.body.kind === 'file')!;
    expect(slos(p)).toEqual([expect.objectContaining({ kind: 'recovery_point', service: 'team-wiki', check: backup.id, target: backup.body.max_age })]);
    // The same runbook stating an RPO: the stated one alone.
    const stated = await of('test/fixtures/import/wiki-backups.md', '\n### Recovery Point Objective\n\n**Target**: 8 days\n');
    expect(slos(stated).map((s) => s.target)).toEqual(['192h']);
  });
});

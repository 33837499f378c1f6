import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { propose, type Proposal } from './index.js';

const seedsDir = path.resolve(import.meta.dirname, '../../test/fixtures/runbooks/seeds');
const seed = async (n: number): Promise<Proposal> => {
  const name = (await readdir(seedsDir)).sort()[n]!;
  return propose([{ text: await readFile(path.join(seedsDir, name), 'utf8'), ref: name }]);
};
const redisChecks = (p: Proposal): Record<string, unknown>[] => p.items.filter((i) => i.section === 'checks' && i.body.kind === 'redis').map((i) => i.body);

describe('a threshold on jobs is read from the redis keys the runbook’s own commands name', () => {
  it('seed 001: "Failed jobs > 100 / > 500" over the four `…:failed` keys it deletes is one glob with both levels', async () => {
    const failed = redisChecks(await seed(1)).find((b) => typeof b.pattern === 'string');
    expect(failed).toMatchObject({ pattern: expect.stringMatching(/^\w+:\*:failed$/), warning: ['[LENGTH] > 100'], critical: ['[LENGTH] > 500'] });
  });

  it('a runbook of another shape: one key read with LRANGE is that key; keys differing in two segments are no glob', () => {
    const one = ['# Mail', '', '```bash', 'redis-cli LRANGE mail:retry:pending 0 10', '```', '', '**Alert Thresholds**:', '- Retry jobs > 50: Warning', ''].join('\n');
    expect(redisChecks(propose([{ text: one, ref: 'mail.md' }]))).toEqual([expect.objectContaining({ key: 'mail:retry:pending', warning: ['[LENGTH] > 50'] })]);
    const two = ['# Mail', '', '```bash', 'redis-cli DEL a:x:dead', 'redis-cli DEL b:y:dead', '```', '', '**Alert Thresholds**:', '- Dead jobs > 5: Critical', ''].join('\n');
    const p = propose([{ text: two, ref: 'mail.md' }]);
    expect(redisChecks(p).filter((b) => b.pattern !== undefined || b.key !== undefined)).toEqual([]);
    // Not guessed: the figure's source stays a TODO.
    expect(p.items.find((i) => i.section === 'checks' && i.body.critical !== undefined)?.body.gauge).toMatch(/^\$\{TODO_/);
  });
});

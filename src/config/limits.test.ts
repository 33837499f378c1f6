import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG_MAX_BYTES, loadConfig, type ConfigIssue, type ConfigLoadResult } from './index.js';
import { configDir } from './test-support.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function load(text: string, options: { maxBytes?: number } = {}): Promise<{ result: ConfigLoadResult; file: string }> {
  const { dir, cleanup } = await configDir({ 'ops.yaml': text });
  cleanups.push(cleanup);
  const file = join(dir, 'ops.yaml');
  return { result: await loadConfig(file, { env: {}, ...options }), file };
}

function issuesOf(result: ConfigLoadResult): ConfigIssue[] {
  if (result.ok) throw new Error('expected the config to be rejected');
  return result.issues;
}

/** The billion laughs: each level names the one before nine times. */
function aliasBomb(levels: number): string {
  const lines = ['a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  for (let i = 1; i <= levels; i++) lines.push(`a${i}: &a${i} [${Array.from({ length: 9 }, () => `*a${i - 1}`).join(', ')}]`);
  return `${lines.join('\n')}\n`;
}

describe('config limits', () => {
  it('reports an alias to no anchor as OPSBOOK_E_CONFIG_YAML at its line, without throwing', async () => {
    const { result, file } = await load('server:\n  port: 4100\nx: *nope\n');
    const issues = issuesOf(result);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ code: 'OPSBOOK_E_CONFIG_YAML', file, line: 3 });
    expect(issues[0]!.message).toContain('nope');
  });

  it('stops an alias bomb with a located OPSBOOK_E_CONFIG_YAML before it expands', async () => {
    const before = process.memoryUsage().rss;
    const { result, file } = await load(aliasBomb(9));
    const issues = issuesOf(result);
    expect(issues[0]).toMatchObject({ code: 'OPSBOOK_E_CONFIG_YAML', file });
    expect(issues[0]!.line).toBeGreaterThanOrEqual(1);
    expect(issues[0]!.message).toMatch(/alias/i);
    console.log(`alias bomb (9 levels): rss ${Math.round(before / 2 ** 20)} MB before, ${Math.round(process.memoryUsage().rss / 2 ** 20)} MB after`);
  });

  it('rejects a file over the byte limit before parsing it', async () => {
    const { result, file } = await load(`# ${'x'.repeat(2000)}\nserver: [not, parsed\n`, { maxBytes: 1000 });
    const issues = issuesOf(result);
    expect(issues).toEqual([expect.objectContaining({ code: 'OPSBOOK_E_CONFIG_TOO_LARGE', file })]);
    expect(issues[0]!.message).toContain('1000');
  });

  it('defaults the limit to 5 MB and lets config.max_bytes lower it', async () => {
    expect(DEFAULT_CONFIG_MAX_BYTES).toBe(5 * 1024 * 1024);
    const { dir, cleanup } = await configDir({});
    cleanups.push(cleanup);
    const file = join(dir, 'ops.yaml');
    await writeFile(file, `config:\n  max_bytes: 2048\n# ${'x'.repeat(3000)}\n`);
    const issues = issuesOf(await loadConfig(file, { env: {} }));
    expect(issues[0]).toMatchObject({ code: 'OPSBOOK_E_CONFIG_TOO_LARGE', file, path: 'config.max_bytes' });
  });

  it('rejects a 50 MB config within bounded memory', async () => {
    const { dir, cleanup } = await configDir({});
    cleanups.push(cleanup);
    const file = join(dir, 'ops.yaml');
    const entry = '  - id: svc-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n';
    await writeFile(file, `services:\n${entry.repeat(Math.ceil((50 * 2 ** 20) / entry.length))}`);
    const before = process.memoryUsage().rss;
    const issues = issuesOf(await loadConfig(file, { env: {} }));
    const grew = process.memoryUsage().rss - before;
    expect(issues[0]).toMatchObject({ code: 'OPSBOOK_E_CONFIG_TOO_LARGE', file });
    console.log(`50 MB config: rss grew ${Math.round(grew / 2 ** 20)} MB`);
    expect(grew).toBeLessThan(40 * 2 ** 20);
  });
});

import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { expandEnv } from './env.js';
import { loadConfig, formatIssue } from './index.js';
import { isRawTextField } from './raw-fields.js';
import { configDir } from './test-support.js';

describe('expandEnv', () => {
  const env = { HOST: 'db.internal', EMPTY: '' };

  it('replaces ${VAR} and leaves other dollars alone', () => {
    expect(expandEnv('postgres://${HOST}:5432/app', env)).toEqual({ value: 'postgres://db.internal:5432/app', missing: [], malformed: [], secrets: [] });
    expect(expandEnv('cost $5 and $HOST', env).value).toBe('cost $5 and $HOST');
    expect(expandEnv('[${EMPTY}]', env).value).toBe('[]');
  });

  it('writes $${ as a literal ${', () => {
    expect(expandEnv('echo $${HOST} ${HOST}', env).value).toBe('echo ${HOST} db.internal');
    // Read left to right: a lone `$`, then the `$${` escape.
    expect(expandEnv('$$${HOST}', env).value).toBe('$${HOST}');
    expect(expandEnv('$${HOST}', {}).missing).toEqual([]);
  });

  it('gives back any text whose every ${ was written $${ (property)', () => {
    const text = fc.string({ unit: fc.constantFrom('$', '{', '}', 'a', '_', ' '), maxLength: 24 });
    fc.assert(
      fc.property(text, (s) => {
        const r = expandEnv(s.replaceAll('${', () => '$${'), {});
        expect(r).toEqual({ value: s, missing: [], malformed: [], secrets: [] });
      }),
      { numRuns: 10_000 },
    );
  });

  it('takes a default as a shell does: ${VAR:-text} when unset or empty, ${VAR-text} when unset', () => {
    expect(expandEnv('${HOST:-localhost}:${PORT:-5432}', env)).toEqual({ value: 'db.internal:5432', missing: [], malformed: [], secrets: [] });
    expect(expandEnv('[${EMPTY:-x}] [${EMPTY-x}] [${UNSET-x}] [${UNSET:-}]', env).value).toBe('[x] [] [x] []');
    // The text is taken as written: dashes, colons and a URL survive; it is not expanded again.
    expect(expandEnv('${URL:-http://127.0.0.1:9/a-b}', env).value).toBe('http://127.0.0.1:9/a-b');
    expect(expandEnv('${URL:-$HOST}', env).value).toBe('$HOST');
    expect(expandEnv('${1BAD:-x}', env).malformed).toHaveLength(1);
  });

  it('names every missing variable once', () => {
    expect(expandEnv('${A}-${B}-${A}', env).missing).toEqual(['A', 'B']);
  });

  it('reports malformed references instead of guessing', () => {
    expect(expandEnv('x ${HOST', env).malformed).toHaveLength(1);
    expect(expandEnv('x ${not a name}', env).malformed).toHaveLength(1);
  });
});

describe('raw text fields', () => {
  it('match by pattern and cover everything beneath', () => {
    expect(isRawTextField(['checks', 3, 'command'])).toBe(true);
    expect(isRawTextField(['checks', 3, 'command', 0])).toBe(true);
    expect(isRawTextField(['checks', 3, 'url'])).toBe(false);
    expect(isRawTextField(['services', 0, 'command'])).toBe(false);
  });
});

describe('loadConfig env expansion', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  async function loadText(text: string, env: Record<string, string>) {
    const { dir, cleanup } = await configDir({ 'ops.yaml': text });
    cleanups.push(cleanup);
    return loadConfig(join(dir, 'ops.yaml'), { env });
  }

  it('expands values, re-reads unquoted numbers, keeps quoted text, and honours $${', async () => {
    const result = await loadText(
      [
        'server:',
        '  port: ${PORT}',
        '  host: "${HOST}"',
        'services:',
        '  - id: api',
        '    description: "costs $${PRICE} a month"',
        '    shell:',
        '      env: {PGHOST: "${HOST}", PORT: "${PORT}"}',
      ].join('\n'),
      { PORT: '4321', HOST: '10.0.0.5' },
    );
    if (!result.ok) throw new Error(result.issues.map(formatIssue).join('\n'));
    expect(result.config.server.port).toBe(4321);
    expect(result.config.server.host).toBe('10.0.0.5');
    expect(result.config.services[0]!.description).toBe('costs ${PRICE} a month');
    expect(result.config.services[0]!.shell!.env).toEqual({ PGHOST: '10.0.0.5', PORT: '4321' });
  });

  it('never expands shell or SQL text, and never reports variables there as missing', async () => {
    const result = await loadText(
      [
        'checks:',
        '  - id: disk',
        '    kind: command',
        '    command: df -h ${MOUNT} | awk \'{print $5}\'',
        '  - id: locks',
        '    kind: postgres',
        '    query: SELECT 1 WHERE current_user = \'${NOBODY}\'',
        '    url: ${PG_URL}',
      ].join('\n'),
      { PG_URL: 'postgres://127.0.0.1/test' },
    );
    if (!result.ok) throw new Error(result.issues.map(formatIssue).join('\n'));
    const checks = result.config.checks as Array<Record<string, unknown>>;
    expect(checks[0]!.command).toBe("df -h ${MOUNT} | awk '{print $5}'");
    expect(checks[1]!.query).toBe("SELECT 1 WHERE current_user = '${NOBODY}'");
    expect(checks[1]!.url).toBe('postgres://127.0.0.1/test');
  });

  it('reports each missing variable by name at its line, without a second error for the same value', async () => {
    const result = await loadText('server:\n  port: ${PORT}\nstorage:\n  url: ${DB_URL}\n', {});
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((i) => [i.code, i.path, i.line, i.message, i.variable])).toEqual([
      ['OPSBOOK_E_CONFIG_ENV_MISSING', 'server.port', 2, 'environment variable PORT is not set', 'PORT'],
      ['OPSBOOK_E_CONFIG_ENV_MISSING', 'storage.url', 4, 'environment variable DB_URL is not set', 'DB_URL'],
    ]);
  });
});

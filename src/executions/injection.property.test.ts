/**
 * Property: whatever a parameter's value, the command every executor runs keeps the shape its
 * runbook wrote. Shell: the script's mvdan-sh tree is the same and bash hands the program exactly
 * the argv the runbook shows; HTTP: the same path segments, query keys, JSON keys and form fields;
 * SQL: the same libpg-query parse tree, values only as bind parameters; Redis: the same argv length.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModule, parseSync } from 'libpg-query';
import { opsConfigSchema } from '../config/index.js';
import { parseRunbook } from '../runbooks/index.js';
import { bindSql, redisWords } from './executors/index.js';
import { buildPlan, type BuiltPlan } from './plan.js';
import { paramKey, type ParamValues } from './params.js';
import { parseShell } from './shell-syntax.js';

const RECORDER = `#!/bin/bash\nprintf '%s\\0' "$@" > "$RECORD_DIR/args"\n`;

/** Values an attacker would try, and random ones (NUL cannot travel in an argument or the environment). */
function hostile(canary: string): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(
      `; touch ${canary}`,
      `$(touch ${canary})`,
      `\`touch ${canary}\``,
      `logs -exec touch ${canary} ;`,
      `a b  c`,
      `*`,
      `..`,
      `../..`,
      `x","role":"admin","y":"`,
      `x&role=admin`,
      `a/b?c=d#e`,
      `'); DROP TABLE t; --`,
      `"`,
      `'`,
      `\\`,
      `\n`,
    ),
    fc.string({ unit: 'binary', maxLength: 30 }).map((s) => s.replace(/\0/g, '')),
  );
}

/** Values as they would be refused or accepted: leading "-" and "."/".." segments are refused, not run. */
const runnableValue = (v: string): boolean => !v.startsWith('-');

describe('parsed commands never change shape (property)', () => {
  let dir: string;
  let canary: string;
  let server: http.Server;
  let base: string;
  let last: { url: string; body: string } | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'opsbook-shape-'));
    canary = join(dir, 'CANARY');
    await writeFile(join(dir, 'record.sh'), RECORDER);
    await chmod(join(dir, 'record.sh'), 0o755);
    await loadModule();
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('latin1')));
      req.on('end', () => {
        last = { url: req.url ?? '', body: Buffer.from(body, 'latin1').toString('utf8') };
        res.end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await rm(dir, { recursive: true, force: true });
  });

  const build = (block: string, params: Record<string, string>, labels: Record<string, string> = {}): BuiltPlan => {
    const runbook = parseRunbook(`# P\n\n## RB-1: P\n\n**Diagnosis:**\n\`\`\`bash\n${block}\n\`\`\`\n`, { file: 'p.md' });
    const config = opsConfigSchema.parse({ services: [{ id: 'svc', base_url: base, aliases: ['svc'], shell: { cwd: dir, env: { RECORD_DIR: dir } } }] });
    return buildPlan({ runbook, procedure: runbook.procedures[0]!, config, baseDir: dir, defaultCwd: () => dir, service: 'svc', incident: { id: 'i', service: 'svc', labels }, params, env: {} });
  };
  const run = (built: BuiltPlan) => built.prepared.get('1.1')!.run({ timeoutMs: 20_000, signal: new AbortController().signal });

  it('shell: $NAME, <name> and {name} stay one argument each; the script is the same for every value', async () => {
    const block = './record.sh $LOG_DIR <pod> /hooks/{hook} --since=<pod>';
    const shapes = new Set<string>();
    await fc.assert(
      fc.asyncProperty(hostile(canary), hostile(canary), hostile(canary), async (label, pod, hook) => {
        const built = build(block, { pod, hook }, { log_dir: label });
        const cmd = built.plan.steps[0]!.commands[0]!;
        if (!runnableValue(label) || !runnableValue(pod)) {
          expect(cmd.runnable).toBe(false);
          return;
        }
        expect(cmd.runnable).toBe(true);
        const outcome = await run(built);
        expect(outcome.status).toBe('ok');
        const script = String(outcome.data?.script);
        shapes.add(JSON.stringify(parseShell(script).map((s) => s.calls.map((c) => c.words))));
        const args = (await readFile(join(dir, 'args'), 'utf8')).split('\0').slice(0, -1);
        expect(args).toEqual([label, pod, `/hooks/${hook}`, `--since=${pod}`]);
        expect(existsSync(canary)).toBe(false);
      }),
      { numRuns: 40 },
    );
    expect(shapes.size).toBe(1);
  });

  it('HTTP: the path keeps its segments, the query its keys, a JSON body its keys, a form body its fields', async () => {
    await fc.assert(
      fc.asyncProperty(hostile(canary), hostile(canary), async (id, name) => {
        const url = build(`curl "http://svc/users/{id}/logs?since=<name>&limit=5"`, { id, name });
        const cmd = url.plan.steps[0]!.commands[0]!;
        if (id === '.' || id === '..' || id === '') {
          expect(cmd.runnable).toBe(false);
        } else {
          expect(cmd.runnable).toBe(true);
          await run(url);
          const u = new URL(last!.url, base);
          expect(u.pathname.split('/').map(decodeURIComponent)).toEqual(['', 'users', id, 'logs']);
          expect([...u.searchParams]).toEqual([
            ['since', name],
            ['limit', '5'],
          ]);
        }
        await run(build(`curl -X POST http://svc/users -H 'Content-Type: application/json' -d '{"name":"<name>","team":"ops"}'`, { name }));
        expect(JSON.parse(last!.body)).toEqual({ name, team: 'ops' });
        await run(build(`curl -X POST http://svc/users -d 'name=<name>&team=ops'`, { name }));
        expect([...new URLSearchParams(last!.body)]).toEqual([
          ['name', name],
          ['team', 'ops'],
        ]);
      }),
      { numRuns: 40 },
    );
  });

  it('SQL: the statement parses the same, values only as bind parameters', () => {
    const sql = "SELECT * FROM jobs WHERE queue = '<queue>' AND owner = <owner> LIMIT 10";
    const tree = JSON.stringify(parseSync(bindSql(sql, values({ queue: 'a', owner: 'b' })).text));
    fc.assert(
      fc.property(hostile(canary), hostile(canary), (queue, owner) => {
        const bound = bindSql(sql, values({ queue, owner }));
        expect(JSON.stringify(parseSync(bound.text))).toBe(tree);
        expect(bound.values).toEqual([queue, owner]);
      }),
      { numRuns: 200 },
    );
  });

  it('Redis: one value, one argument', () => {
    const runbook = parseRunbook('# R\n\n## RB-1: R\n\n**Diagnosis:**\n```bash\nredis-cli LLEN <queue>\n```\n', { file: 'r.md' });
    const command = runbook.procedures[0]!.phases.flatMap((p) => p.steps).flatMap((s) => s.blocks).flatMap((b) => b.commands)[0]!;
    fc.assert(
      fc.property(hostile(canary), (queue) => {
        const words = redisWords(command, values({ queue }));
        expect(words).toEqual({ words: ['LLEN', queue] });
      }),
      { numRuns: 200 },
    );
  });
});

function values(record: Record<string, string>): ParamValues {
  return new Map(Object.entries(record).map(([k, v]) => [paramKey(k), { value: v, secret: false, source: 'person' as const }]));
}

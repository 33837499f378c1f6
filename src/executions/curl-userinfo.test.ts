/**
 * A runbook's own curl line with credentials in its URL (`curl http://user:pass@host/path`) sends
 * them as curl does: Basic auth, the userinfo percent-decoded. A userinfo of a user alone
 * (`https://TOKEN@host`) is a credential too. What is shown and recorded of the step (plan,
 * transcript, audit, logs) holds neither the password, the token nor their Basic form, even when a
 * loopback server echoes the header back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASK } from './params.js';
import { runAndCollect, startAuthEcho, type AuthEcho } from './credential-echo-test-support.js';
import { harness, type Harness } from './test-support.js';

const PASSWORD = 'p@ss-W0rd/1';
const ENCODED = encodeURIComponent(PASSWORD);
const BASIC = Buffer.from(`ops:${PASSWORD}`).toString('base64');
const TOKEN = 'tok-5f3a9c1e7b2d';
const TOKEN_BASIC = Buffer.from(`${TOKEN}:`).toString('base64');
const SECRETS = [PASSWORD, ENCODED, BASIC, TOKEN, TOKEN_BASIC];
const leaked = (text: string): string[] => SECRETS.filter((s) => text.includes(s));

const procedure = (id: string, line: string): string => [`## ${id}: Health`, '', '**Diagnosis:**', '```bash', line, '```', ''].join('\n');
const RUNBOOK = [
  '# Billing',
  '',
  procedure('RB-1', `curl -s -i http://ops:${ENCODED}@api.internal/health`),
  procedure('RB-2', `curl -s -i https://${TOKEN}@api.internal/health`),
].join('\n');

describe('a runbook curl line with userinfo in its URL', () => {
  let h: Harness;
  let echo: AuthEcho;
  beforeAll(async () => {
    echo = await startAuthEcho();
    h = await harness({
      config: { services: [{ id: 'billing', base_url: echo.url, aliases: ['api.internal'] }] },
      runbooks: [{ file: 'b.md', text: RUNBOOK }],
    });
  });
  afterAll(async () => {
    await h?.cleanup();
    await echo?.close();
  });

  const runOne = (name: string) => runAndCollect(h, name);

  it('sends user:password as Basic auth and records it masked', async () => {
    const { entry, plan, stored } = await runOne('b.md#RB-1');
    expect(entry.status, entry.stderr).toBe('ok');
    expect(echo.seen.at(-1)).toBe(`Basic ${BASIC}`);
    expect(plan.steps[0]!.commands[0]!.display).toMatch(/^curl -X GET http:\/\/127\.0\.0\.1:\d+\/health -H 'Authorization: \*{8}'$/);
    expect(entry.stdout).toContain(`x-echo-authorization: Basic ${MASK}`);
    expect(leaked(stored)).toEqual([]);
  });

  it('sends a token alone as the user of Basic auth and records it masked', async () => {
    const { entry, stored } = await runOne('b.md#RB-2');
    expect(entry.status, entry.stderr).toBe('ok');
    expect(echo.seen.at(-1)).toBe(`Basic ${TOKEN_BASIC}`);
    expect(entry.stdout).toContain(`x-echo-authorization: Basic ${MASK}`);
    expect(leaked(stored)).toEqual([]);
  });
});

/**
 * A service's base_url written with `user:password@` authorizes its runbook HTTP steps as curl
 * would: Basic auth, the userinfo percent-decoded, unless the step (or the host's configured
 * headers) authorizes itself. What is recorded of the step shows neither the password nor the
 * Basic credentials, when a loopback server echoes the header back in its headers and body.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASK } from './params.js';
import { runAndCollect, startAuthEcho, type AuthEcho } from './credential-echo-test-support.js';
import { harness, type Harness } from './test-support.js';

const PASSWORD = 'p@ss-W0rd/1';
const ENCODED = encodeURIComponent(PASSWORD);
const BASIC = Buffer.from(`ops:${PASSWORD}`).toString('base64');
const SECRETS = [PASSWORD, ENCODED, BASIC];
const leaked = (text: string): string[] => SECRETS.filter((s) => text.includes(s));

const RUNBOOK = [
  '# Billing',
  '',
  '## RB-1: Health',
  '',
  '**Diagnosis:**',
  '```bash',
  'curl -s -i http://api.internal/health',
  '```',
  '',
  '## RB-2: As someone else',
  '',
  '**Diagnosis:**',
  '```bash',
  'curl -s -u reader:visible-pass http://api.internal/health',
  '```',
  '',
].join('\n');

describe('a base_url with user:password@ and runbook HTTP steps', () => {
  let h: Harness;
  let echo: AuthEcho;
  beforeAll(async () => {
    echo = await startAuthEcho();
    h = await harness({
      config: {
        services: [{ id: 'billing', base_url: echo.url.replace('http://', `http://ops:${ENCODED}@`), aliases: ['api.internal'] }],
      },
      runbooks: [{ file: 'b.md', text: RUNBOOK }],
    });
  });
  afterAll(async () => {
    await h?.cleanup();
    await echo?.close();
  });

  const runOne = (procedure: string) => runAndCollect(h, procedure);

  it('sends the userinfo as Basic auth and records it masked', async () => {
    const { entry, plan, stored } = await runOne('b.md#RB-1');
    expect(entry.status, entry.stderr).toBe('ok');
    expect(echo.seen.at(-1)).toBe(`Basic ${BASIC}`);
    expect(plan.steps[0]!.commands[0]!.display).toMatch(/^curl -X GET http:\/\/127\.0\.0\.1:\d+\/health -H 'Authorization: \*{8}'$/);
    expect(entry.stdout).toContain(`x-echo-authorization: Basic ${MASK}`);
    expect(entry.stdout).toContain(JSON.stringify({ authorization: `Basic ${MASK}` }));
    expect(leaked(stored)).toEqual([]);
  });

  it('leaves the step’s own credentials (curl -u) in charge', async () => {
    const { entry, stored } = await runOne('b.md#RB-2');
    expect(entry.status, entry.stderr).toBe('ok');
    expect(echo.seen.at(-1)).toBe(`Basic ${Buffer.from('reader:visible-pass').toString('base64')}`);
    expect(leaked(stored)).toEqual([]);
  });
});

/**
 * A service's base_url written with `user:password@` authorizes its runbook HTTP steps as curl
 * would: Basic auth, the userinfo percent-decoded, unless the step (or the host's configured
 * headers) authorizes itself. What is recorded of the step shows neither the password nor the
 * Basic credentials, when a loopback server echoes the header back in its headers and body.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findExecution, listAudit, listExecutionEntries } from '../store/index.js';
import { MASK } from './params.js';
import { harness, responder, type Harness } from './test-support.js';

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
  let echo: http.Server;
  const seen: (string | undefined)[] = [];
  beforeAll(async () => {
    echo = http.createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.setHeader('content-type', 'application/json');
      res.setHeader('x-echo-authorization', req.headers.authorization ?? '');
      res.end(JSON.stringify({ authorization: req.headers.authorization ?? null }));
    });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    h = await harness({
      config: {
        services: [{ id: 'billing', base_url: `http://ops:${ENCODED}@127.0.0.1:${(echo.address() as AddressInfo).port}/`, aliases: ['api.internal'] }],
      },
      runbooks: [{ file: 'b.md', text: RUNBOOK }],
    });
  });
  afterAll(async () => {
    await h?.cleanup();
    if (echo) await new Promise((r) => echo.close(r));
  });

  const runOne = async (procedure: string) => {
    const { id, plan } = await h.service.start(procedure, responder);
    const result = await h.service.runStep(id, 1, responder);
    await h.service.finish(id, responder);
    const stored = [
      JSON.stringify(plan),
      JSON.stringify(await listExecutionEntries(h.store.db, id)),
      JSON.stringify(await findExecution(h.store.db, id)),
      JSON.stringify(await h.service.get(id)),
      JSON.stringify(await h.service.transcript(id)),
      JSON.stringify(await listAudit(h.store.db, { subject: `execution:${id}` })),
      JSON.stringify(h.logs),
    ].join('\n');
    return { entry: result.entries[0]!, plan, stored };
  };

  it('sends the userinfo as Basic auth and records it masked', async () => {
    const { entry, plan, stored } = await runOne('b.md#RB-1');
    expect(entry.status, entry.stderr).toBe('ok');
    expect(seen.at(-1)).toBe(`Basic ${BASIC}`);
    expect(plan.steps[0]!.commands[0]!.display).toMatch(/^curl -X GET http:\/\/127\.0\.0\.1:\d+\/health -H 'Authorization: \*{8}'$/);
    expect(entry.stdout).toContain(`x-echo-authorization: Basic ${MASK}`);
    expect(entry.stdout).toContain(JSON.stringify({ authorization: `Basic ${MASK}` }));
    expect(leaked(stored)).toEqual([]);
  });

  it('leaves the step’s own credentials (curl -u) in charge', async () => {
    const { entry, stored } = await runOne('b.md#RB-2');
    expect(entry.status, entry.stderr).toBe('ok');
    expect(seen.at(-1)).toBe(`Basic ${Buffer.from('reader:visible-pass').toString('base64')}`);
    expect(leaked(stored)).toEqual([]);
  });
});

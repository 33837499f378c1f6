/**
 * A runbook's curl line with its short options given together (`curl -fsSL`, `-sSi`, `-sSuuser:pass`,
 * `-sXGET`) runs natively as curl would read it, rather than being refused as an option opsbook does
 * not know; a word taken as an option's value is never split.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCurl } from './executors/index.js';
import { runAndCollect, startAuthEcho, type AuthEcho } from './credential-echo-test-support.js';
import { harness, type Harness } from './test-support.js';

const procedure = (id: string, line: string): string => [`## ${id}: Health`, '', '**Diagnosis:**', '```bash', line, '```', ''].join('\n');
const RUNBOOK = [
  '# Billing',
  '',
  procedure('RB-1', 'curl -fsSL http://api.internal/health'),
  procedure('RB-2', 'curl -sSi http://api.internal/health'),
  procedure('RB-3', 'curl -fsSuops:pw-1 http://api.internal/health'),
  procedure('RB-4', 'curl -sSo /dev/null -w "%{http_code}" http://api.internal/health'),
  procedure('RB-5', 'curl -sS -H "Authorization: Token \\"t-1\\"" http://api.internal/health'),
].join('\n');

describe('curl short options given together', () => {
  it('reads each letter of a group, and a value-taking letter takes the rest of the word or the next', () => {
    expect(readCurl(['-fsSL', 'http://h/x'])).toMatchObject({ method: 'GET', url: 'http://h/x', followRedirects: true, include: false });
    expect(readCurl(['-sSi', 'http://h/x'])).toMatchObject({ method: 'GET', include: true });
    expect(readCurl(['-sIL', 'http://h/x'])).toMatchObject({ method: 'HEAD', headOnly: true, followRedirects: true });
    expect(readCurl(['-sXPOST', 'http://h/x'])).toMatchObject({ method: 'POST' });
    expect(readCurl(['-sX', 'DELETE', 'http://h/x'])).toMatchObject({ method: 'DELETE' });
    expect(readCurl(['-sH', 'Accept: text/plain', 'http://h/x'])).toMatchObject({ headers: [['Accept', 'text/plain']] });
    expect(readCurl(['-sSuops:pw', 'http://h/x'])).toMatchObject({ headers: [['Authorization', `Basic ${Buffer.from('ops:pw').toString('base64')}`]] });
    expect(readCurl(['-sSo', '/dev/null', 'http://h/x'])).toMatchObject({ discardBody: true });
  });

  it('never splits a word taken as a value, and still refuses a letter it does not support', () => {
    expect(readCurl(['-d', '-abc', 'http://h/x'])).toMatchObject({ method: 'POST', body: '-abc' });
    expect(readCurl(['-sSo', 'out.json', 'http://h/x'])).toEqual({ why: 'curl saves the response to out.json: run it in a terminal' });
    expect(readCurl(['-sSZ', 'http://h/x'])).toEqual({ why: "curl -Z is not an option opsbook's HTTP executor supports: run it in a terminal" });
  });

  describe('run as runbook steps against a loopback server', () => {
    let h: Harness;
    let echo: AuthEcho;
    beforeAll(async () => {
      echo = await startAuthEcho();
      h = await harness({ config: { services: [{ id: 'billing', base_url: echo.url, aliases: ['api.internal'] }] }, runbooks: [{ file: 'b.md', text: RUNBOOK }] });
    });
    afterAll(async () => {
      await h?.cleanup();
      await echo?.close();
    });

    it('curl -fsSL: a GET that follows redirects', async () => {
      const { entry } = await runAndCollect(h, 'b.md#RB-1');
      expect(entry.status, entry.stderr).toBe('ok');
      expect(echo.urls.at(-1)).toBe('/health');
      expect(entry.stdout).toContain('"authorization":null');
    });

    it('curl -sSi: the status line and headers before the body', async () => {
      const { entry } = await runAndCollect(h, 'b.md#RB-2');
      expect(entry.status, entry.stderr).toBe('ok');
      expect(entry.stdout).toMatch(/^HTTP\/1\.1 200/);
    });

    it('curl -fsSuops:pw-1: Basic auth, recorded masked', async () => {
      const { entry, stored } = await runAndCollect(h, 'b.md#RB-3');
      expect(entry.status, entry.stderr).toBe('ok');
      expect(echo.seen.at(-1)).toBe(`Basic ${Buffer.from('ops:pw-1').toString('base64')}`);
      expect(stored).not.toContain('pw-1');
    });

    it('a backslash-quoted " inside a double-quoted header reaches the server as "', async () => {
      const { entry } = await runAndCollect(h, 'b.md#RB-5');
      expect(entry.status, entry.stderr).toBe('ok');
      expect(echo.seen.at(-1)).toBe('Token "t-1"');
    });

    it('curl -sSo /dev/null -w "%{http_code}": the status code alone', async () => {
      const { entry } = await runAndCollect(h, 'b.md#RB-4');
      expect(entry.status, entry.stderr).toBe('ok');
      expect(entry.stdout.trim()).toBe('200');
    });
  });
});

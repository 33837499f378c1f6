/**
 * Credentials a runbook's own command line writes outside a URL's userinfo: curl's `-u user:pass`
 * (`--user user:pass`, `-uuser:pass`, `--user=user:pass`), a schemeless `user:pass@host`, a
 * credential in a URL's query (`?token=…`, `&api_key=…`, `sig=…`), mysql's `-pSECRET`, an option
 * `--password=…` and a `PGPASSWORD=… psql` assignment. The step runs with the real value (the
 * loopback server receives it, a shell's output transformed from it shows it ran), while what is
 * shown and recorded of the step (plan, transcript, audit, logs) holds none of them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAndCollect, startAuthEcho, type AuthEcho } from './credential-echo-test-support.js';
import { harness, type Harness } from './test-support.js';

const PASSWORD = 'hunter2-Curl/9';
const BASIC = Buffer.from(`ops:${PASSWORD}`).toString('base64');
const STRIPE = 'sk_test_4eC39HqLyjWDarjtT1zdp7dc';
const STRIPE_BASIC = Buffer.from(`${STRIPE}:`).toString('base64');
const QUERY_TOKEN = 'qtok-7d1e55b0a9';
const SIGNATURE = 'c2lnbmF0dXJlLXZhbHVl';
const DB_PASSWORD = 'dbpass-lower-77';
const MYSQL_PASSWORD = 'mysql-secret-31';
const PG_PASSWORD = 'pg-env-secret-12';
const SECRETS = [PASSWORD, encodeURIComponent(PASSWORD), BASIC, STRIPE, STRIPE_BASIC, QUERY_TOKEN, SIGNATURE, DB_PASSWORD, MYSQL_PASSWORD, PG_PASSWORD];
const leaked = (text: string): string[] => SECRETS.filter((s) => text.includes(s));

const procedure = (id: string, line: string): string => [`## ${id}: Health`, '', '**Diagnosis:**', '```bash', line, '```', ''].join('\n');
const CURL_USER = {
  'RB-1': `curl -s -i -u ops:${PASSWORD} http://api.internal/health`,
  'RB-2': `curl -s -i --user 'ops:${PASSWORD}' http://api.internal/health`,
  'RB-3': `curl -s -i -uops:${PASSWORD} http://api.internal/health`,
  'RB-4': `curl -s -i --user=ops:${PASSWORD} http://api.internal/health`,
};
/** curl's short options grouped in one word, -u last: its value is the rest of the word, or the next word. */
const CURL_GROUPED = {
  'RB-10': `curl -sSu ops:${PASSWORD} http://api.internal/health`,
  'RB-11': `curl -siuops:${PASSWORD} http://api.internal/health`,
  'RB-12': `curl -fsSLU ops:${PASSWORD} -x http://proxy.internal:3128 http://api.internal/health`,
};
const RUNBOOK = [
  '# Billing',
  '',
  ...Object.entries(CURL_USER).map(([id, line]) => procedure(id, line)),
  procedure('RB-5', `curl -s -i -u ${STRIPE}: http://api.internal/health`),
  procedure('RB-6', `curl -s "http://api.internal/health?region=eu&access_token=${QUERY_TOKEN}&sig=${SIGNATURE}"`),
  procedure('RB-7', `printf '%s\\n' 'ops:${DB_PASSWORD}@db.internal:5432' | tr a-z A-Z`),
  procedure('RB-8', `printf '%s\\n' 'mysql -h db.internal -u app -p${MYSQL_PASSWORD} --password=${MYSQL_PASSWORD}' | tr a-z A-Z`),
  procedure('RB-9', `PGPASSWORD=${PG_PASSWORD} sh -c 'printf "%s\\n" "$PGPASSWORD"' | tr a-z A-Z`),
  ...Object.entries(CURL_GROUPED).map(([id, line]) => procedure(id, line)),
].join('\n');

describe('credentials a runbook command line writes', () => {
  let h: Harness;
  let echo: AuthEcho;
  beforeAll(async () => {
    echo = await startAuthEcho();
    h = await harness({
      config: { services: [{ id: 'billing', base_url: echo.url, aliases: ['api.internal'], shell: {} }] },
      runbooks: [{ file: 'b.md', text: RUNBOOK }],
    });
  });
  afterAll(async () => {
    await h?.cleanup();
    await echo?.close();
  });

  for (const [id, line] of Object.entries(CURL_USER)) {
    it(`sends curl's user:password as Basic auth and records it masked: ${line.split(' http')[0]}`, async () => {
      const { entry, plan, stored } = await runAndCollect(h, `b.md#${id}`);
      expect(entry.status, `${entry.stderr} ${plan.steps[0]!.commands[0]!.why ?? ''}`).toBe('ok');
      expect(echo.seen.at(-1)).toBe(`Basic ${BASIC}`);
      expect(plan.steps[0]!.commands[0]!.text).toContain('ops:********');
      expect(plan.steps[0]!.commands[0]!.display).toContain("-H 'Authorization: Basic ********'");
      expect(leaked(stored)).toEqual([]);
    });
  }

  it('masks a token given as curl -u TOKEN: (the user is the credential)', async () => {
    const { entry, stored } = await runAndCollect(h, 'b.md#RB-5');
    expect(entry.status, entry.stderr).toBe('ok');
    expect(echo.seen.at(-1)).toBe(`Basic ${STRIPE_BASIC}`);
    expect(leaked(stored)).toEqual([]);
  });

  it('sends credential query parameters as written and records them masked', async () => {
    const { entry, plan, stored } = await runAndCollect(h, 'b.md#RB-6');
    expect(entry.status, entry.stderr).toBe('ok');
    expect(echo.urls.at(-1)).toBe(`/health?region=eu&access_token=${QUERY_TOKEN}&sig=${SIGNATURE}`);
    expect(plan.steps[0]!.commands[0]!.text).toContain('?region=eu&access_token=********&sig=********');
    expect(leaked(stored)).toEqual([]);
  });

  it('runs a schemeless user:password@host with the real value and records it masked', async () => {
    const { entry, plan, stored } = await runAndCollect(h, 'b.md#RB-7');
    expect(entry.status, entry.stderr).toBe('ok');
    expect(entry.stdout.trim()).toBe(`OPS:${DB_PASSWORD.toUpperCase()}@DB.INTERNAL:5432`);
    expect(plan.steps[0]!.commands[0]!.text).toContain("'ops:********@db.internal:5432'");
    expect(leaked(stored)).toEqual([]);
  });

  it("masks mysql's -pSECRET and --password=SECRET", async () => {
    const { entry, plan, stored } = await runAndCollect(h, 'b.md#RB-8');
    expect(entry.status, entry.stderr).toBe('ok');
    expect(entry.stdout.trim()).toBe(`MYSQL -H DB.INTERNAL -U APP -P${MYSQL_PASSWORD.toUpperCase()} --PASSWORD=${MYSQL_PASSWORD.toUpperCase()}`);
    expect(plan.steps[0]!.commands[0]!.text).toContain('-p******** --password=********');
    expect(leaked(stored)).toEqual([]);
  });

  it('masks a credential variable assigned on the command line (PGPASSWORD=… psql)', async () => {
    const { entry, plan, stored } = await runAndCollect(h, 'b.md#RB-9');
    expect(entry.status, entry.stderr).toBe('ok');
    expect(entry.stdout.trim()).toBe(PG_PASSWORD.toUpperCase());
    expect(plan.steps[0]!.commands[0]!.text).toContain('PGPASSWORD=********');
    expect(leaked(stored)).toEqual([]);
  });

  for (const [id, line] of Object.entries(CURL_GROUPED)) {
    it(`masks curl's user:password given in a group of short options: ${line.split(' http')[0]}`, async () => {
      const { plan, stored } = await runAndCollect(h, `b.md#${id}`);
      expect(plan.steps[0]!.commands[0]!.text).toContain('ops:********');
      expect(leaked(stored)).toEqual([]);
    });
  }
});

/**
 * A token created by the CLI authenticates against a running daemon; once revoked by the CLI it is
 * refused; the database holds it only as a hash.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, serveCli, type ServedCli } from '../support/cli.js';
import { allFileBytes } from '../support/files.js';

describe('API tokens end to end', () => {
  let dir: string;
  let config: string;
  let base: string;
  let server: ServedCli | undefined;

  beforeAll(async () => {
    server = await serveCli('tokens-e2e', { 'ops.yaml': 'users:\n  - name: ana\n    role: admin\n  - name: bo\n    role: responder\n' });
    ({ dir, config, url: base } = server);
  });
  afterAll(async () => {
    await server?.close();
  });

  const whoami = (token?: string) => fetch(`${base}/api/whoami`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

  it('authenticates a CLI-created token, refuses it once revoked, and never stores it in clear', async () => {
    const created = await runCli(['token', 'create', '--user', 'bo', '--as', 'ana', '--name', 'pager', '--config', config]);
    expect(created.code, created.stderr).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^opsb_/);

    const ok = await whoami(token);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ name: 'bo', role: 'responder' });

    const listed = await runCli(['token', 'list', '--json', '--as', 'ana', '--config', config]);
    const rows = JSON.parse(listed.stdout) as Array<{ id: string; user_name: string }>;
    const id = rows.find((r) => r.user_name === 'bo')!.id;

    const dbBytes = allFileBytes(path.join(dir, '.opsbook'));
    expect(dbBytes).not.toContain(token);

    const revoked = await runCli(['token', 'revoke', id, '--as', 'ana', '--config', config]);
    expect(revoked.code, revoked.stderr).toBe(0);
    const refused = await whoami(token);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: { code: 'OPSBOOK_E_AUTH_INVALID' } });
  });

  it('asks for credentials when none are sent', async () => {
    const r = await whoami();
    expect(r.status).toBe(401);
    expect(await r.json()).toMatchObject({ error: { code: 'OPSBOOK_E_AUTH_REQUIRED' } });
  });

  it('refuses a viewer acting on someone else’s token from the CLI', async () => {
    fs.appendFileSync(config, '  - name: cy\n    role: viewer\n');
    const r = await runCli(['token', 'create', '--user', 'bo', '--as', 'cy', '--config', config]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('OPSBOOK_E_FORBIDDEN');
  });
});

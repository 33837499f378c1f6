/**
 * `opsbook import` of a runbook whose health check sends Basic auth (`curl -u user:PASSWORD URL`,
 * `curl https://user:PASSWORD@host/…`) proposes a check that sends it too: an Authorization header
 * holding a `${NAME}` reference (the config's way for a check's credentials), never the password.
 * With the proposal's variables set, `opsbook check run` passes against a loopback server that
 * requires those credentials (real child processes, real HTTP).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

const RUNBOOK = `# Library Service

The library service's API is at https://library.prod.example.net.

## Health checks

\`\`\`bash
curl -s -u admin:S3cretAdm1n https://library.prod.example.net/readyz
curl -s https://opsuser:Hunter2Pass@library.prod.example.net/api/books/count
\`\`\`
`;

interface Proposal {
  todos: { name: string }[];
  credentials: { name: string; hint: string }[];
  items: { section: string; id: string; body: Record<string, unknown> }[];
}

describe('opsbook import of a curl health check with Basic auth', () => {
  let dir: string;
  let server: http.Server;
  let base: string;
  const seen: string[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'opsbook-import-basic-'));
    await writeFile(path.join(dir, 'library.md'), RUNBOOK);
    const allowed = { '/readyz': 'admin:S3cretAdm1n', '/api/books/count': 'opsuser:Hunter2Pass' } as Record<string, string>;
    server = http.createServer((req, res) => {
      seen.push(`${req.url} ${req.headers.authorization ?? '-'}`);
      const want = allowed[req.url ?? ''];
      res.writeHead(want && req.headers.authorization === `Basic ${Buffer.from(want).toString('base64')}` ? 200 : 401).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it('proposes checks that send the credentials as ${NAME} references, and they pass with the variables set', async () => {
    const out = path.join(dir, 'proposal');
    const written = await runCli(['import', path.join(dir, 'library.md'), '--out', out]);
    expect(written.code, written.stderr).toBe(0);
    const json = await runCli(['import', '--json', path.join(dir, 'library.md')]);
    const proposal = JSON.parse(json.stdout) as Proposal;
    const config = await readFile(path.join(out, 'ops.yaml'), 'utf8');
    for (const secret of ['S3cretAdm1n', 'Hunter2Pass', Buffer.from('admin:S3cretAdm1n').toString('base64'), Buffer.from('opsuser:Hunter2Pass').toString('base64')]) {
      expect(config, secret).not.toContain(secret);
      expect(json.stdout, secret).not.toContain(secret);
    }
    const checks = proposal.items.filter((i) => i.section === 'checks');
    const readyz = checks.find((c) => String(c.body.url).endsWith('/readyz'))!;
    const count = checks.find((c) => String(c.body.url).endsWith('/api/books/count'))!;
    expect(readyz.body.headers).toEqual({ Authorization: expect.stringMatching(/^Basic \$\{[A-Z0-9_]+\}$/) });
    expect(count.body.headers).toEqual({ Authorization: expect.stringMatching(/^Basic \$\{[A-Z0-9_]+\}$/) });
    const variable = (check: typeof readyz): string => /\$\{([A-Z0-9_]+)\}/.exec(String((check.body.headers as Record<string, string>).Authorization))![1]!;
    // The variable's hint says what to put in it.
    expect(proposal.credentials.find((c) => c.name === variable(readyz))?.hint).toMatch(/base64 of admin:PASSWORD/);
    expect(proposal.credentials.find((c) => c.name === variable(count))?.hint).toMatch(/base64 of opsuser:PASSWORD/);

    const env: Record<string, string> = {};
    for (const t of proposal.todos) env[t.name] = t.name.endsWith('_URL') ? base : 'x';
    for (const c of proposal.credentials) env[c.name] = 'unused-value';
    env[variable(readyz)] = Buffer.from('admin:S3cretAdm1n').toString('base64');
    env[variable(count)] = Buffer.from('opsuser:Hunter2Pass').toString('base64');
    for (const check of [readyz, count]) {
      const run = await runCli(['check', 'run', check.id, '-c', path.join(out, 'ops.yaml')], { env });
      expect(run.code, `${check.id}: ${run.stdout}${run.stderr}\n${seen.join('\n')}`).toBe(0);
    }
  });
});

/**
 * Hostile input without crashes: malformed, oversized and deeply nested bodies on every write
 * route; YAML alias bombs and a 50 MB config; a 5 MB and a 100k-deep markdown runbook;
 * catastrophic regexes in silences and conditions.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConditionScope, evaluateCondition, parseCondition } from '../../src/checks/conditions/index.js';
import { loadConfig } from '../../src/config/index.js';
import { labelMatches } from '../../src/lib/labels.js';
import { readRunbook } from '../../src/runbooks/index.js';
import { apiTokens, startDaemonApp } from '../support/daemon-app.js';
import { MB, rssMb, type CaseResult, type TortureCase } from './case.js';

const temp = (prefix: string): string => fs.mkdtempSync(path.join(os.tmpdir(), `opsbook-torture-${prefix}-`));

export const bodiesCase: TortureCase = {
  name: 'malformed, oversized and nested bodies on every write route',
  async run(): Promise<CaseResult> {
    const server = await startDaemonApp('torture-bodies', { 'ops.yaml': 'users:\n  - name: boss\n    role: admin\nintegrations:\n  - id: prom\n    kind: alertmanager\n    key: torture-key-0123456789abcdef\n  - id: ev\n    kind: events\n    key: torture-events-0123456789abcd\n' });
    const startRss = rssMb();
    let peak = startRss;
    const counts = { requests: 0, '4xx': 0, '5xx': 0, 'without code': 0, 'schema 400 with path': 0, 'schema 400 without path': 0 };
    const failures: string[] = [];
    try {
      const { boss } = await apiTokens(server.daemon, 'boss', ['boss']);
      const routes = server.app.routeInventory.filter((r) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method) && r.url.startsWith('/api/'));
      const deep = `{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
      const bodies: Array<[string, string]> = [
        ['malformed', '{"title": "x",'],
        ['oversized', JSON.stringify({ title: 'x'.repeat(2 * MB) })],
        ['nested 100k', deep],
        ['wrong types', JSON.stringify({ title: 42, severity: [], matchers: 'x', user: {}, name: 7, version: 4, alerts: 'x', routing_key: 1 })],
      ];
      for (const route of routes) {
        const url = route.url.replace(/:[a-zA-Z]+/g, 'x');
        for (const [kind, payload] of bodies) {
          const r = await server.app.inject({ method: route.method as 'POST', url, headers: { 'content-type': 'application/json', authorization: `Bearer ${boss}` }, payload });
          counts.requests++;
          peak = Math.max(peak, rssMb());
          const body = (() => {
            try {
              return JSON.parse(r.body) as { error?: { code?: string; path?: string } };
            } catch {
              return {};
            }
          })();
          if (r.statusCode >= 500) {
            counts['5xx']++;
            failures.push(`${route.method} ${route.url} (${kind}) answered ${r.statusCode}`);
          } else if (r.statusCode >= 400) counts['4xx']++;
          if (r.statusCode >= 400 && !body.error?.code) {
            counts['without code']++;
            failures.push(`${route.method} ${route.url} (${kind}) answered ${r.statusCode} without an error code`);
          }
          if (kind === 'wrong types' && r.statusCode === 400 && body.error?.code === 'OPSBOOK_E_REQUEST_INVALID') {
            if (body.error.path) counts['schema 400 with path']++;
            else counts['schema 400 without path']++;
          }
        }
      }
      const live = await server.app.inject({ method: 'GET', url: '/_health/live' });
      if (live.statusCode !== 200) failures.push('daemon not live after the bodies');
      if (peak - startRss > 1024) failures.push(`rss grew ${peak - startRss} MB`);
      return { figures: { routes: routes.length, ...counts, 'peak rss MB': peak }, failures, exercised: counts.requests > 0 };
    } finally {
      await server.close();
    }
  },
};

export const configCase: TortureCase = {
  name: 'YAML alias bombs and a 50 MB config',
  async run(): Promise<CaseResult> {
    const dir = temp('config');
    const failures: string[] = [];
    const figures: Record<string, number | string> = {};
    try {
      const bomb = ['a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]', ...Array.from({ length: 9 }, (_, i) => `a${i + 1}: &a${i + 1} [${Array(9).fill(`*a${i}`).join(', ')}]`)].join('\n');
      const cases: Array<[string, string]> = [
        ['alias bomb', `${bomb}\n`],
        ['unresolved alias', 'server:\n  port: 4100\nx: *nope\n'],
        ['50 MB', `services:\n${'  - id: svc-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n'.repeat(Math.ceil((50 * MB) / 48))}`],
      ];
      for (const [name, text] of cases) {
        const file = path.join(dir, `${name.replace(/\W+/g, '-')}.yaml`);
        fs.writeFileSync(file, text);
        const before = rssMb();
        const t0 = performance.now();
        const result = await loadConfig(file, { env: {} });
        const ms = Math.round(performance.now() - t0);
        const issue = result.ok ? undefined : result.issues[0];
        figures[name] = issue ? `${issue.code} at ${path.basename(issue.file ?? '?')}${issue.line !== undefined ? `:${issue.line}` : ''} in ${ms} ms, rss +${rssMb() - before} MB` : 'accepted';
        // A whole-file refusal names the file; a YAML error names its line too.
        if (!issue?.file || (issue.code === 'OPSBOOK_E_CONFIG_YAML' && issue.line === undefined)) failures.push(`${name}: no located error`);
      }
      return { figures, failures, exercised: true };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};

export const runbooksCase: TortureCase = {
  name: 'a 5 MB and a 100k-deep markdown runbook',
  async run(): Promise<CaseResult> {
    const dir = temp('runbooks');
    const failures: string[] = [];
    const figures: Record<string, number | string> = {};
    try {
      const cases: Array<[string, string]> = [
        ['5 MB', `# Big\n\n${'Some prose about the system. '.repeat(Math.ceil((5 * MB) / 29))}\n`],
        ['100k-deep quotes', `# Deep\n\n${'>'.repeat(100_000)} x\n`],
        ['100k-deep brackets', `# Deep\n\n${'['.repeat(100_000)}x${']'.repeat(100_000)}\n`],
      ];
      for (const [name, text] of cases) {
        const file = path.join(dir, `${name.replace(/\W+/g, '-')}.md`);
        fs.writeFileSync(file, text);
        const before = rssMb();
        const t0 = performance.now();
        const outcome = await readRunbook(file).then(
          (r) => `read (${r.lineCount} lines)`,
          (e: { code?: string; location?: { file?: string } }) => `${e.code ?? 'error'} at ${path.basename(e.location?.file ?? '?')}`,
        );
        figures[name] = `${outcome} in ${Math.round(performance.now() - t0)} ms, rss +${rssMb() - before} MB`;
        if (name === '5 MB' && !outcome.startsWith('OPSBOOK_E_RUNBOOK_TOO_LARGE')) failures.push(`5 MB runbook: ${outcome}`);
      }
      return { figures, failures, exercised: true };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};

export const regexCase: TortureCase = {
  name: 'catastrophic regexes in silences and conditions',
  async run(): Promise<CaseResult> {
    const evil = 'a'.repeat(10_000) + 'b';
    const t0 = performance.now();
    const matched = labelMatches({ label: 'alertname', op: '=~', value: '(a+)+$' }, { alertname: evil });
    const glob = evaluateCondition(parseCondition(`[BODY] == pat(${'*a'.repeat(40)}*c)`), new ConditionScope({ BODY: evil })).ok;
    const ms = Math.round(performance.now() - t0);
    return { figures: { 'patterns': 2, 'input chars': evil.length, 'ms for both': ms }, failures: matched || glob ? ['a catastrophic pattern matched what it should not'] : [], exercised: true };
  },
};

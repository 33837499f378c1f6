/**
 * The injection corpus of issue 14 over every way a value reaches a runbook step — a person through
 * the API (`POST /api/executions` with params), a person through the CLI (`opsbook run FILE#ID
 * --param`), and an alert label through `/api/ingest/alertmanager` bound to the same parameters — and
 * every executor that takes them (shell, HTTP, SQL). An injection counts as executed when its effect
 * is seen: a canary file created, the log directory deleted, a glob expanded in the step's output, a
 * request to another path or with another body at the loopback receiver, rows an SQL `WHERE` should
 * not have returned.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import pg from 'pg';
import buildDist from '../support/build-dist.js';
import { runCli } from '../support/cli.js';
import { apiTokens, startDaemonApp } from '../support/daemon-app.js';
import { createTestDatabase, postgresUp } from '../support/services.js';
import type { CaseResult, TortureCase } from './case.js';

const KEY = 'k'.repeat(40);
/** Seen in a step's output only when an SQL value escaped its bind parameter (the SQL text says `reverse(…)`). */
const SQL_HIT = 'PWNED-SQL';
/** A file beside the log directory: a step's output names it only when `*` was expanded. */
const GLOB_CANARY = 'glob-canary.txt';

/** One step per way a value is used: unquoted `$NAME`, `<name>` arguments, a URL path segment, a JSON body, a bind parameter. */
const COMMANDS = [
  ['bash', 'find $LOG_DIR -name "*.log"'],
  ['bash', 'grep -r <pattern> logs'],
  ['bash', 'git log <ref>'],
  ['bash', 'curl http://svc/users/{userId}'],
  ['bash', `curl -X POST http://svc/users -H 'Content-Type: application/json' -d '{"name":"<name>"}'`],
  ['sql', "SELECT reverse('LQS-DENWP') AS hit FROM canary WHERE name = '<name>'"],
] as const;
const RUNBOOK = `# Injection\n\n## RB-1: Look around\n\n**Diagnosis:**\n\n${COMMANDS.map(([lang, text], i) => `${i + 1}. Look ${i + 1}:\n   \`\`\`${lang}\n   ${text}\n   \`\`\`\n`).join('\n')}`;

/** The corpus (FILE stands for the canary path of each try), each value with the steps it aims at. */
function corpus(quick: boolean): Array<{ value: string; aims: number[] }> {
  const shell = [1, 2, 3];
  const all = [
    { value: 'logs -exec touch FILE ;', aims: [1] },
    { value: '-delete', aims: [1] },
    { value: '--output=FILE', aims: [3] },
    { value: '..', aims: [4] },
    { value: 'x","role":"admin","y":"', aims: [5] },
    { value: '$(touch FILE)', aims: shell },
    { value: '`touch FILE`', aims: shell },
    { value: 'logs; touch FILE', aims: shell },
    { value: 'logs\ntouch FILE', aims: shell },
    { value: '*', aims: [1, 2] },
    { value: "x' OR '1'='1", aims: [6] },
    { value: "x'; SELECT reverse('LQS-DENWP'); --", aims: [6] },
  ];
  const more = [
    { value: 'logs | touch FILE', aims: shell },
    { value: 'logs && touch FILE', aims: shell },
    { value: '-exec touch FILE ;', aims: [1] },
    { value: '${IFS}touch${IFS}FILE', aims: shell },
    { value: '../../..', aims: [4] },
    { value: '%2e%2e', aims: [4] },
    { value: 'x"}, "role": "admin", "n": {"a":"', aims: [5] },
    { value: "' UNION SELECT reverse('LQS-DENWP') --", aims: [6] },
  ];
  return quick ? all : [...all, ...more];
}

interface Seen {
  method: string;
  url: string;
  body: string;
}

export const injectionCase: TortureCase = {
  name: 'injection corpus (API, CLI, alert labels × shell, HTTP, SQL)',
  async run({ quick }): Promise<CaseResult> {
    const seen: Seen[] = [];
    const receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', body });
        res.setHeader('content-type', 'application/json');
        res.end('{}');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    const scratch = (await postgresUp()) ? await createTestDatabase('opsbook_torture') : undefined;
    if (scratch) {
      const c = new pg.Client({ connectionString: scratch.url });
      await c.connect();
      await c.query("CREATE TABLE canary (name text); INSERT INTO canary VALUES ('secret')");
      await c.end();
    }
    const config = `users:
  - { name: ana, role: admin }
services:
  - id: svc
    base_url: ${base}
    aliases: [svc]
    shell: { cwd: work }
${scratch ? `    postgres: { url: "${scratch.url}" }\n` : ''}integrations:
  - { id: prom, kind: alertmanager, key: ${KEY} }
procedures:
  "runbooks/inj.md#RB-1": { service: svc }
runbooks:
  - runbooks/*.md
`;
    const server = await startDaemonApp('torture-inj', { 'ops.yaml': config, 'runbooks/inj.md': RUNBOOK });
    const work = path.join(server.dir, 'work');
    const values = corpus(quick);
    const failures: string[] = [];
    const executed: Record<'api' | 'cli' | 'labels', number> = { api: 0, cli: 0, labels: 0 };
    const tried: Record<'api' | 'cli' | 'labels', number> = { api: 0, cli: 0, labels: 0 };
    let stepsRun = 0;
    let stepsRefused = 0;
    let tryNo = 0;
    try {
      const { ana } = await apiTokens(server.daemon, 'ana', ['ana']);
      const call = async (method: 'POST' | 'GET', url: string, body?: object, headers: Record<string, string> = { authorization: `Bearer ${ana}` }) => {
        const res = await server.app.inject({ method, url, headers, ...(body ? { payload: body } : {}) });
        return { status: res.statusCode, body: res.body, json: (() => { try { return res.json() as Record<string, unknown>; } catch { return {}; } })() };
      };
      // The CLI runs the compiled dist/, the path that ships; rebuilt when older than src/.
      await buildDist();

      /** A fresh work tree for one try: a log, the glob canary, a git repository. */
      const prepare = (): void => {
        fs.rmSync(work, { recursive: true, force: true });
        fs.mkdirSync(path.join(work, 'logs'), { recursive: true });
        fs.writeFileSync(path.join(work, 'logs', 'app.log'), 'line\n');
        fs.writeFileSync(path.join(work, GLOB_CANARY), 'x\n');
        execFileSync('git', ['init', '-q', work]);
        execFileSync('git', ['-C', work, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '--allow-empty', '-m', 'one']);
        seen.length = 0;
      };
      /** What an injection did, judged after one try: every effect it could have had. */
      const effects = (value: string, canary: string, output: string): string[] => {
        const found: string[] = [];
        if (fs.existsSync(canary)) found.push(`created ${path.basename(canary)}`);
        if (!fs.existsSync(path.join(work, 'logs', 'app.log'))) found.push('deleted the log directory');
        if (output.includes(GLOB_CANARY)) found.push('a glob was expanded');
        if (output.includes(SQL_HIT)) found.push('SQL returned rows its WHERE excludes');
        for (const s of seen) {
          const { pathname } = new URL(s.url, 'http://x');
          const parts = pathname.split('/');
          if (s.method === 'GET' && !(parts.length === 3 && parts[1] === 'users' && decodeURIComponent(parts[2]!) === value)) found.push(`GET ${s.url}`);
          if (s.method === 'POST') {
            let body: unknown;
            try {
              body = JSON.parse(s.body);
            } catch {
              body = undefined;
            }
            if (pathname !== '/users' || JSON.stringify(body) !== JSON.stringify({ name: value })) found.push(`POST ${s.url} ${s.body}`);
          }
        }
        return found;
      };
      const params = (value: string): Record<string, string> => ({ log_dir: value, pattern: value, ref: value, userid: value, name: value });

      /** Starts the procedure and runs `steps` through the API; answers all it said. */
      const runViaApi = async (start: object, steps: number[]): Promise<string> => {
        const started = await call('POST', '/api/executions', { procedure: 'runbooks/inj.md#RB-1', ...start });
        if (started.status !== 201) return started.body;
        const id = started.json.id as string;
        let out = started.body;
        for (const step of steps) {
          const ran = await call('POST', `/api/executions/${id}/steps/${step}/run`, { yes: true });
          const entries = (ran.json.entries as Array<{ status: string }> | undefined) ?? [];
          if (ran.status === 200 && entries.some((e) => e.status !== 'not_runnable')) stepsRun++;
          else stepsRefused++;
          out += ran.body;
          }
        return out;
      };

      let cliRuns = 0;
      const incidents = new Set<string>();
      /**
       * One value through one channel, at every step in the full run; the quick run sends it to the
       * steps it aims at (the CLI, a process per step, to the first of them).
       */
      const attempt = async (channel: 'api' | 'cli' | 'labels', { value: template, aims }: { value: string; aims: number[] }): Promise<void> => {
        const steps = quick ? (channel === 'cli' ? aims.slice(0, 1) : aims) : COMMANDS.map((_, i) => i + 1);
        prepare();
        const canary = path.join(work, `PWNED-${++tryNo}`);
        const value = template.replaceAll('FILE', canary);
        let output = '';
        if (channel === 'api') {
          output = await runViaApi({ params: params(value) }, steps);
        } else if (channel === 'labels') {
          const ingest = await call(
            'POST',
            '/api/ingest/alertmanager',
            { version: '4', groupKey: `g${tryNo}`, receiver: 'opsbook', status: 'firing', alerts: [{ status: 'firing', labels: { alertname: `Inj${tryNo}`, severity: 'critical', service: 'svc', ...params(value) }, annotations: {}, startsAt: new Date().toISOString(), fingerprint: `f${tryNo}` }] },
            { authorization: `Bearer ${KEY}` },
          );
          const incident = (ingest.json.incidents as string[] | undefined)?.[0];
          if (ingest.status !== 200 || !incident) {
            failures.push(`ingest of ${JSON.stringify(value)} answered ${ingest.status}`);
            return;
          }
          if (incidents.has(incident)) {
            failures.push(`labels: ${JSON.stringify(value)} joined an earlier incident instead of opening its own`);
            return;
          }
          incidents.add(incident);
          output = await runViaApi({ incident }, steps);
          // Resolved, so the next alert opens an incident of its own (its labels, not this one's).
          await call('POST', `/api/incidents/${incident}/resolve`, {});
        } else {
          for (const step of steps) {
            const args = ['run', 'runbooks/inj.md#RB-1', '--step', String(step), '--yes', '--as', 'ana', '-c', path.join(server.dir, 'ops.yaml')];
            for (const [k, v] of Object.entries(params(value))) args.push('--param', `${k}=${v}`);
            const r = await runCli(args, { cwd: server.dir, env: { OPSBOOK_USER: '' } });
            cliRuns++;
            output += r.stdout + r.stderr;
          }
        }
        tried[channel]++;
        const found = effects(value, canary, output);
        if (found.length > 0) {
          executed[channel]++;
          failures.push(`${channel}: ${JSON.stringify(value)} executed: ${found.join('; ')}`);
        }
      };

      for (const v of values) await attempt('api', v);
      for (const v of values) await attempt('labels', v);
      // A CLI run is a process start: the quick run sends a few values, one per executor, at the step each aims at.
      for (const v of quick ? values.filter((v) => ['logs; touch FILE', '..', 'x","role":"admin","y":"', "x' OR '1'='1"].includes(v.value)) : values) await attempt('cli', v);
      const total = tried.api + tried.cli + tried.labels;
      const executedTotal = executed.api + executed.cli + executed.labels;
      return {
        figures: {
          'injections tried': total,
          executed: executedTotal,
          'via API': `${tried.api} tried / ${executed.api} executed`,
          'via alert labels': `${tried.labels} tried / ${executed.labels} executed`,
          'via CLI': `${tried.cli} tried / ${executed.cli} executed`,
          'API steps run': stepsRun,
          'API steps refused before running': stepsRefused,
          'CLI runs': cliRuns,
          executors: scratch ? 'shell, HTTP, SQL' : 'shell, HTTP (SQL skipped: PostgreSQL down)',
        },
        failures,
        exercised: total > 0 && stepsRun > 0 && (scratch !== undefined || process.env.OPSBOOK_REQUIRE_SERVICES !== '1'),
      };
    } finally {
      await server.close();
      await new Promise<void>((r) => receiver.close(() => r()));
      await scratch?.drop();
    }
  },
};

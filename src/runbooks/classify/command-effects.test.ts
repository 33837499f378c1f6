import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { codeCell } from '../../../test/fixtures/runbooks/command-effects-cell.js';
import { COMMAND_EFFECTS, SQL_EFFECTS, type CommandEffectCase } from '../../../test/fixtures/runbooks/command-effects.js';
import { classifyCommand } from './index.js';
import { OWN_CASES } from './shell.js';
import { loadSqlParser } from './sql-parser.js';

// SQL past what the plain reader takes goes to libpg-query, loaded once per process: this file must not
// count on another test file having loaded it in the same worker.
await loadSqlParser();

const repoRoot = path.resolve(import.meta.dirname, '../../..');

function check(c: CommandEffectCase): void {
  const r = classifyCommand(c.command, c.language ?? 'bash');
  expect(r.effect, `${c.command}\nreasons: ${r.reasons.join(' | ')}`).toBe(c.effect);
  expect(r.reasons.join(' | ')).toContain(c.reason);
}

describe('command effects from the seed runbooks', () => {
  it('has at least 40 commands', () => expect(COMMAND_EFFECTS.length).toBeGreaterThanOrEqual(40));
  for (const c of COMMAND_EFFECTS) it(`${c.effect}: ${c.command.split('\n').join(' ⏎ ').slice(0, 90)}`, () => check(c));
});

describe('classic SQL writes', () => {
  for (const c of SQL_EFFECTS) it(`${c.effect}: ${c.command}`, () => check(c));
});

describe('classification works from structure, not whole strings', () => {
  it('classifies commands it was not written for by program, verb and flags', () => {
    expect(classifyCommand('kubectl get ingress --all-namespaces -o wide').effect).toBe('read');
    expect(classifyCommand('kubectl -n billing delete deployment ledger-api').effect).toBe('destructive');
    expect(classifyCommand('redis-cli -h cache-7 -n 3 HGETALL session:991').effect).toBe('read');
    expect(classifyCommand('redis-cli -h cache-7 UNLINK session:991').effect).toBe('destructive');
    expect(classifyCommand('curl -sS -X DELETE https://ledger.internal/api/v2/jobs/17').effect).toBe('destructive');
    expect(classifyCommand("psql -d ledger -c 'TRUNCATE ledger_entries'").effect).toBe('destructive');
    expect(classifyCommand("psql -d ledger -c 'SELECT id FROM ledger_entries LIMIT 5'").effect).toBe('read');
    expect(classifyCommand('rm /tmp/ledger.lock').effect).toBe('destructive');
    expect(classifyCommand('frobnicate --now').effect).toBe('unknown');
  });

  it('takes the most dangerous command of a block, command by command', () => {
    const r = classifyCommand('# check first\nkubectl get pods -n apex\n\n# then remove\nkubectl delete pod api-1 -n apex\n');
    expect(r.effect).toBe('destructive');
    expect(r.commands.map((c) => [c.line, c.effect])).toEqual([[2, 'read'], [5, 'destructive']]);
  });

  it('ignores comments and writes to /dev/null', () => {
    expect(classifyCommand('# rm -rf /\ncurl -s -o /dev/null https://x/health 2>/dev/null').effect).toBe('read');
  });

  it('reads SQL written straight into a shell block and says so', () => {
    const r = classifyCommand('# Check for paused projections\nSELECT * FROM events_eventbookmark WHERE is_paused = true;\n');
    expect(r.effect).toBe('read');
    expect(r.commands[0]).toMatchObject({ line: 2, target: 'sql' });
    expect(r.reasons.join(' ')).toContain('SQL written in a shell block');
  });

  it('marks what does not parse as unknown', () => {
    expect(classifyCommand('EXPLAIN ANALYZE <slow_query>;', 'sql').effect).toBe('unknown');
    expect(classifyCommand('echo "unterminated').effect).toBe('unknown');
    expect(classifyCommand('rate(x[5m]', 'promql').effect).toBe('unknown');
  });
});

describe('docs/runbooks.md command-effects table (npm run docs writes it)', () => {
  it('lists every seed command with its effect', () => {
    const readme = readFileSync(path.join(repoRoot, 'docs/runbooks.md'), 'utf8');
    const region = readme.slice(readme.indexOf('<!-- command-effects:start -->'), readme.indexOf('<!-- command-effects:end -->'));
    const rows = region.split('\n').filter((l) => l.startsWith('| `'));
    expect(rows.length).toBe(COMMAND_EFFECTS.length + SQL_EFFECTS.length);
    for (const c of [...COMMAND_EFFECTS, ...SQL_EFFECTS]) {
      expect(region).toContain(`| ${codeCell(c.command)} | ${c.effect} |`);
    }
  });
});

describe('the programs classifyWords has a case for', () => {
  it('are the ones its readers shortcut leaves alone', () => {
    const source = readFileSync(path.join(repoRoot, 'src/runbooks/classify/shell.ts'), 'utf8');
    const body = source.slice(source.indexOf('export function classifyWords'), source.indexOf('function byProgramName'));
    const cases = [...body.matchAll(/case '([^']+)':/g)].map((m) => m[1]);
    expect(new Set(cases)).toEqual(OWN_CASES);
  });
});

/**
 * One convention for every command, kept by the shared parsing in src/cli/main.ts: a usage error (an
 * unknown flag, a missing argument, a bad flag value, an unknown command) exits 2 and names what was
 * wrong on stderr; a failed operation exits 1. Every command is walked through the real binary.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { runCli, type CliRun } from '../support/cli.js';

/** Every command that runs (no subcommands), as the words that name it. */
async function leafCommands(): Promise<Command[][]> {
  const program = await buildProgram({ out: () => {}, err: () => {}, env: {}, tty: false });
  const out: Command[][] = [];
  const walk = (c: Command, chain: Command[]): void => {
    if (c.commands.length === 0) out.push(chain);
    for (const sub of c.commands) walk(sub, [...chain, sub]);
  };
  walk(program, []);
  return out;
}

const LEAVES = await leafCommands();
const words = (chain: Command[]) => chain.map((c) => c.name());
/** The command's required options with a value (a date fits every one), so that only the error under test is left. */
const required = (c: Command) => c.options.filter((o) => o.mandatory).flatMap((o) => [o.long!, '2026-01-01']);

/** Runs the CLI for each args list, two at a time (the machine's cores are shared). */
async function runAll(argsList: string[][], env: NodeJS.ProcessEnv): Promise<CliRun[]> {
  const results: CliRun[] = new Array<CliRun>(argsList.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < argsList.length) {
      const i = next++;
      results[i] = await runCli(argsList[i]!, { env, cwd: dir });
    }
  };
  await Promise.all([worker(), worker()]);
  return results;
}

// An empty folder to run in, and no server, token or user from the environment: nothing a command
// might act on by default, so only the usage error can decide the exit.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-usage-'));
const ENV = { OPSBOOK_SERVER: '', OPSBOOK_TOKEN: '', OPSBOOK_USER: '', OPSBOOK_CONFIG: '' };
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('usage errors exit 2 and name what was wrong', () => {
  // Commander writes an option's default after its description: one written there too reads twice
  // in --help ("how many (default 50) (default: 50)").
  it('says each option\'s default once in its help', () => {
    const twice = LEAVES.flatMap((chain) => chain.at(-1)!.options.filter((o) => o.defaultValue !== undefined && /\(default/i.test(o.description)).map((o) => `${words(chain).join(' ')} ${o.flags}`));
    expect(twice).toEqual([]);
  });

  it('walks many commands', () => {
    expect(LEAVES.length).toBeGreaterThan(50);
  });

  it('an unknown flag, on every command', async () => {
    const runs = await runAll(LEAVES.map((chain) => [...words(chain), ...required(chain.at(-1)!), '--no-such-flag']), ENV);
    const wrong = LEAVES.flatMap((chain, i) => {
      const r = runs[i]!;
      return r.code === 2 && r.stderr.includes('--no-such-flag') ? [] : [`opsbook ${words(chain).join(' ')} --no-such-flag: exit ${r.code}, stderr ${JSON.stringify(r.stderr.split('\n')[0])}`];
    });
    expect(wrong).toEqual([]);
  }, 600_000);

  it('a missing argument, on every command that takes one', async () => {
    const needing = LEAVES.filter((chain) => chain.at(-1)!.registeredArguments.some((a) => a.required));
    expect(needing.length).toBeGreaterThan(20);
    const runs = await runAll(needing.map((chain) => [...words(chain), ...required(chain.at(-1)!)]), ENV);
    const wrong = needing.flatMap((chain, i) => {
      const r = runs[i]!;
      const first = chain.at(-1)!.registeredArguments[0]!.name();
      return r.code === 2 && r.stderr.includes(`'${first}'`) ? [] : [`opsbook ${words(chain).join(' ')}: exit ${r.code}, stderr ${JSON.stringify(r.stderr.split('\n')[0])}`];
    });
    expect(wrong).toEqual([]);
  }, 600_000);

  it('a bad flag value, an unknown command and a group without its command', async () => {
    const cases: Array<{ args: string[]; names: string }> = [
      { args: ['serve', '--port', 'eighty'], names: '--port' },
      { args: ['incident', 'list', '--limit', 'ten'], names: '--limit' },
      { args: ['incident', 'list', '--limit', '0'], names: '--limit' },
      { args: ['report', '--period', 'fortnight'], names: '--period' },
      { args: ['report', '--format', 'pdf'], names: '--format' },
      { args: ['report', '--at', 'yesterday-ish'], names: '--at' },
      { args: ['oncall', 'now', '--tz', 'Mars/Olympus'], names: '--tz' },
      { args: ['oncall', 'now', '--at', 'soon'], names: '--at' },
      { args: ['test', 'x.yaml', '--run', '('], names: '--run' },
      { args: ['test', 'rules'], names: 'rules' },
      { args: ['gameday', 'examples/nxentra', '--store', 'floppy'], names: '--store' },
      { args: ['run', 'runbooks/x.md#p', '--step', 'two'], names: '--step' },
      { args: ['run', 'runbooks/x.md#p', '--param', 'novalue'], names: '--param' },
      { args: ['audit', 'archive', 'out.jsonl', '--before', 'someday'], names: '--before' },
      { args: ['check', 'list', '--server', 'ftp://x'], names: '--server' },
      { args: ['import'], names: 'import' },
      { args: ['no-such-command'], names: 'no-such-command' },
      { args: ['incident'], names: 'incident' },
    ];
    const runs = await runAll(cases.map((c) => c.args), ENV);
    const wrong = cases.flatMap((c, i) => {
      const r = runs[i]!;
      return r.code === 2 && r.stderr.includes(c.names) ? [] : [`opsbook ${c.args.join(' ')}: exit ${r.code}, stderr ${JSON.stringify(r.stderr.trim().split('\n').slice(0, 2).join(' / '))}`];
    });
    expect(wrong).toEqual([]);
  }, 600_000);

  it('a failed operation exits 1, and help and version exit 0', async () => {
    fs.writeFileSync(path.join(dir, 'bad.yaml'), 'checks:\n  - id: x\n    kind: nope\n');
    const [failed, help, subHelp, version] = await runAll([['validate', 'bad.yaml'], ['--help'], ['incident', '--help'], ['--version']], ENV);
    expect(failed!.code).toBe(1);
    expect(help!.code).toBe(0);
    expect(subHelp!.code).toBe(0);
    expect(version!.code).toBe(0);
  }, 120_000);
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../support/cli.js';

const { distProblem, testOnly } = (await import(path.join(REPO_ROOT, 'bin/dist.js'))) as { distProblem: (root?: string) => string | undefined; testOnly: (relativePath: string) => boolean };

/** Every file under dir, relative to it, with `/`. */
function filesUnder(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'));
}

let dir: string | undefined;
afterEach(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** A checkout-shaped folder: src/ with one file and, when built, dist/.built; times in seconds since the epoch. */
function checkout(sourceAt: number, builtAt?: number): string {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-dist-'));
  fs.mkdirSync(path.join(dir, 'src/cli'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'src/cli/main.ts'), '');
  fs.utimesSync(path.join(dir, 'src/cli/main.ts'), sourceAt, sourceAt);
  if (builtAt !== undefined) {
    fs.mkdirSync(path.join(dir, 'dist'));
    fs.writeFileSync(path.join(dir, 'dist/.built'), '');
    fs.utimesSync(path.join(dir, 'dist/.built'), builtAt, builtAt);
  }
  return dir;
}

describe('the compiled dist/ the command runs from', () => {
  it('is refused with a message to rebuild when missing or older than src/, accepted when newer', () => {
    expect(distProblem(checkout(1_000))).toMatch(/dist\/ is missing\. Run `npm run build`/);
    expect(distProblem(checkout(2_000, 1_000))).toMatch(/older than src\/: run `npm run build`/);
    expect(distProblem(checkout(1_000, 2_000))).toBeUndefined();
  });

  it('is what bin/opsbook.js runs, with the UI files beside it', async () => {
    expect(distProblem()).toBeUndefined();
    expect(fs.existsSync(path.join(REPO_ROOT, 'dist/cli/main.js'))).toBe(true);
    expect(fs.existsSync(path.join(REPO_ROOT, 'dist/http/ui/static/opsbook.css'))).toBe(true);
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('validate');
  });

  it('leaves test-only modules out: tests, *test-support.ts and testing/ folders', () => {
    const testOnlySources = filesUnder(path.join(REPO_ROOT, 'src')).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && testOnly(f));
    expect(testOnlySources).toEqual(expect.arrayContaining(['checks/testing/index.ts', 'executions/credential-echo-test-support.ts', 'store/repos/plan-test-support.ts', 'notify/test-support.ts']));
    const shipped = filesUnder(path.join(REPO_ROOT, 'dist'));
    expect(shipped.filter((f) => /test-support|(^|\/)testing\/|\.test\./.test(f))).toEqual([]);
    expect(shipped).toContain('checks/index.js');
  });

  it('bundles zod with its English messages only (its translations were half the bundle every config load read)', async () => {
    const { z } = (await import(path.join(REPO_ROOT, 'dist/vendor/zod.js'))) as typeof import('zod');
    expect(Object.keys(z.locales)).toEqual(['en']);
    expect(z.string().safeParse(5).error?.issues[0]?.message).toBe('Invalid input: expected string, received number');
    expect(fs.statSync(path.join(REPO_ROOT, 'dist/vendor/zod.js')).size).toBeLessThan(500_000);
  });

  it("names in each vendored bundle's source map only files that exist (a debugger or a test runner reads them)", () => {
    const vendor = path.join(REPO_ROOT, 'dist/vendor');
    const maps = fs.readdirSync(vendor).filter((f) => f.endsWith('.js.map'));
    expect(maps).toContain('zod.js.map');
    const missing = maps.flatMap((map) => {
      const { sources } = JSON.parse(fs.readFileSync(path.join(vendor, map), 'utf8')) as { sources: string[] };
      // A library's own map may name its sources by URL (markdown-it's entities): not a file to look for.
      return sources.filter((s) => !/^https?:\/\//.test(s) && !fs.existsSync(path.resolve(vendor, s))).map((s) => `${map}: ${s}`);
    });
    expect(missing).toEqual([]);
  });

  it('is not made stale by editing a test-only module', () => {
    const root = checkout(1_000, 2_000);
    for (const file of ['src/cli/main.test.ts', 'src/notify/test-support.ts', 'src/checks/testing/index.ts']) {
      fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      fs.writeFileSync(path.join(root, file), '');
      fs.utimesSync(path.join(root, file), 3_000, 3_000);
    }
    expect(distProblem(root)).toBeUndefined();
    fs.utimesSync(path.join(root, 'src/cli/main.ts'), 3_000, 3_000);
    expect(distProblem(root)).toMatch(/older than src\//);
  });
});

// Commands import what they use when they run: a static import of a domain in a command's module
// (the on-call domain's time zones and calendars, the store's query builder) is paid by every
// command, `--help` included.
describe('what a command loads', () => {
  const loaded = (args: string[]): string[] => {
    const run = spawnSync(process.execPath, ['--import', path.join(REPO_ROOT, 'test/support/loaded-modules/register.mjs'), path.join(REPO_ROOT, 'bin/opsbook.js'), ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(run.status, run.stderr).toBe(0);
    return [...new Set(run.stderr.split('\n').filter((l) => l.startsWith('loaded: ')).map((l) => path.relative(REPO_ROOT, new URL(l.slice('loaded: '.length)).pathname)))];
  };

  it('opsbook --help loads the CLI, a few helpers and commander (one bundled file), no domain', () => {
    const modules = loaded(['--help']);
    expect(modules).toContain('dist/cli/main.js');
    const allowed = /^(bin\/|dist\/cli\/|dist\/lib\/|dist\/store\/(named-error|error-chain|full)\.js$|dist\/vendor\/commander\.js$)/;
    expect(modules.filter((m) => !allowed.test(m))).toEqual([]);
  });

  // The demo's runbook has no SQL the plain reader cannot read: the PostgreSQL parser's 1.7 MB WASM
  // module is not compiled for it (src/runbooks/read.test.ts: it loads for a runbook that needs it).
  it('opsbook validate reads the runbooks without loading the PostgreSQL parser they do not need', () => {
    const modules = loaded(['validate', 'examples/demo']);
    expect(modules).toContain('dist/runbooks/read.js');
    expect(modules.filter((m) => m.includes('libpg-query'))).toEqual([]);
    // Its `runbooks/*.md` is matched by reading the folder (src/executions/runbook-files.ts).
    expect(modules.filter((m) => m.includes('tinyglobby'))).toEqual([]);
  });

  // Validating a config needs each check kind's options, placeholders and default conditions
  // (kinds/*/schema.ts), not how it probes: the probe modules (HTTP client, SMTP session, drivers'
  // wrappers) load in a process that runs checks.
  it('opsbook validate reads the check kinds\' schemas without loading their probe code', () => {
    const modules = loaded(['validate', 'examples/demo']);
    expect(modules).toContain('dist/config/load.js');
    const kinds = modules.filter((m) => m.startsWith('dist/checks/kinds/'));
    const schemaOnly = /^dist\/checks\/kinds\/(schemas\.js|[a-z]+\/schema\.js|shared\/http-options\.js|metrics\/selector\.js)$/;
    expect(kinds.filter((m) => !schemaOnly.test(m))).toEqual([]);
    expect(kinds).toContain('dist/checks/kinds/http/schema.js');
    expect(modules.filter((m) => /^dist\/checks\/(compile|runner|run-once)\.js$/.test(m))).toEqual([]);
  });

  // A command line naming a command loads that command's module only; `--help` lists them all.
  it('opsbook validate loads its own command module, no other', () => {
    expect(loaded(['validate', 'examples/demo']).filter((m) => m.startsWith('dist/cli/commands/'))).toEqual(['dist/cli/commands/index.js', 'dist/cli/commands/validate.js']);
    expect(loaded(['--help']).filter((m) => m.startsWith('dist/cli/commands/'))).toEqual(expect.arrayContaining(['dist/cli/commands/incident.js', 'dist/cli/commands/gameday.js']));
  });

  // A command that reads the local store (`incident list`, `oncall now`) loads the config, the
  // store and the domain it reads. The pipeline the daemon runs (Operations: the check kinds'
  // probes, alert rules, escalation driver, outbox and channels, metrics, the logger) is not loaded,
  // nor, on a store already migrated, the modules of its migrations.
  describe('on a local store', () => {
    let demo: string | undefined;
    let incident = '';
    const config = (): string => {
      if (demo) return demo;
      demo = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-loads-'));
      fs.cpSync(path.join(REPO_ROOT, 'examples/demo'), demo, { recursive: true });
      // Creates and migrates the store, so the commands below find it migrated, with one incident.
      const declared = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin/opsbook.js'), 'incident', 'declare', 'disk full', '--severity', 'P2', '--config', demo, '--as', 'demo-admin', '--json'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 });
      expect(declared.status, declared.stderr).toBe(0);
      incident = (JSON.parse(declared.stdout) as { id: string }).id;
      return demo;
    };
    afterAll(() => {
      if (demo) fs.rmSync(demo, { recursive: true, force: true });
    });
    // The config's load validates with each domain's checks (the check kinds' schemas and conditions,
    // alert conditions and templates, notify's contacts): those load. Anything else of checks/,
    // alerts/, notify/, daemon/ or cluster/ is the pipeline's.
    const pipeline =
      /^dist\/(checks\/(?!check-conditions\.js$|conditions\/|kinds\/(schemas|[a-z]+\/schema|shared\/http-options|metrics\/selector)\.js$)|alerts\/(?!(condition|template)\.js$)|notify\/(?!(config-validator|contacts)\.js$)|daemon\/(?!(config|store|operations\/incident-config)\.js$)|cluster\/|store\/migrations\/0)|^node_modules\/(prom-client|pino|ical-generator)\//;

    it('opsbook incident list and show read incidents without the operations pipeline', () => {
      const at = config();
      for (const args of [['incident', 'list'], ['incident', 'show', incident]]) {
        const modules = loaded([...args, '--config', at, '--as', 'demo-admin']);
        expect(modules).toContain('dist/incidents/service.js');
        expect(modules.filter((m) => pipeline.test(m))).toEqual([]);
      }
    });

    it('opsbook check list reads the checks\' conditions and last runs without the probe code', () => {
      const modules = loaded(['check', 'list', '--config', config()]);
      expect(modules).toContain('dist/checks/describe.js');
      expect(modules.filter((m) => pipeline.test(m) && !/^dist\/checks\/(describe|history\/heartbeats)\.js$/.test(m))).toEqual([]);
    });

    it('opsbook oncall now reads the schedules without the calendar feeds or the store\'s migrations', () => {
      const modules = loaded(['oncall', 'now', '--config', config()]);
      expect(modules).toContain('dist/oncall/override-book.js');
      expect(modules.filter((m) => pipeline.test(m))).toEqual([]);
    });
  });
});


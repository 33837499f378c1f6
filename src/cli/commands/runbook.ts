import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { isOpsbookError } from '../../lib/errors/index.js';
import type { CliIO, RegisterCommands } from '../context.js';
import { counted } from '../../lib/counted.js';
// Loaded on use: the runbook reader starts the SQL parser's WASM module, which other commands do not need.
type RunbooksModule = typeof import('../../runbooks/index.js');
type Runbook = import('../../runbooks/index.js').Runbook;
type Effect = import('../../runbooks/index.js').Effect;

const BADGE: Record<Effect, string> = { read: '[read]', write: '[write]', destructive: '[DESTRUCTIVE]', unknown: '[unknown]' };

/** Files named on the command line; directories contribute every file inside them (any extension). */
async function expand(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    let isDir = false;
    try {
      isDir = (await stat(p)).isDirectory();
    } catch {
      // Reported by readRunbook with the path.
    }
    if (!isDir) {
      out.push(p);
      continue;
    }
    const entries = await readdir(p, { withFileTypes: true, recursive: true });
    for (const e of entries) if (e.isFile() && !e.name.startsWith('.')) out.push(path.join(e.parentPath, e.name));
  }
  return out.sort();
}

async function readAll(mod: RunbooksModule, paths: string[], io: CliIO): Promise<Runbook[]> {
  const out: Runbook[] = [];
  for (const file of await expand(paths)) {
    try {
      out.push(await mod.readRunbook(file));
    } catch (e) {
      if (!isOpsbookError(e)) throw e;
      io.err(`✖ ${e.describe()} [${e.code}]`);
      process.exitCode = 1;
    }
  }
  return out;
}

/** `FILE#ID` when FILE exists and the whole argument does not: the file, and the procedure asked for. */
async function procedureReference(arg: string): Promise<{ file: string; id?: string }> {
  const hash = arg.lastIndexOf('#');
  if (hash <= 0 || (await exists(arg)) || !(await exists(arg.slice(0, hash)))) return { file: arg };
  return { file: arg.slice(0, hash), id: arg.slice(hash + 1) };
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

/** Like readAll, where a `FILE#ID` argument keeps only that procedure (or says which exist, exit 1). */
async function readProcedures(mod: RunbooksModule, args: string[], io: CliIO): Promise<Runbook[]> {
  const out: Runbook[] = [];
  for (const arg of args) {
    const { file, id } = await procedureReference(arg);
    for (const rb of await readAll(mod, [file], io)) {
      if (id === undefined) {
        out.push(rb);
        continue;
      }
      const procedures = rb.procedures.filter((p) => p.id.toLowerCase() === id.toLowerCase());
      if (procedures.length === 0) {
        const known = rb.procedures.length > 0 ? `its procedures: ${rb.procedures.map((p) => p.id).join(', ')}` : `no procedure found in it: ${mod.NO_PROCEDURE_WHY}`;
        io.err(`✖ ${rb.file} has no procedure "${id}" (${known}) [OPSBOOK_E_PROCEDURE_NOT_FOUND]`);
        process.exitCode = 1;
        continue;
      }
      out.push({ ...rb, procedures });
    }
  }
  return out;
}

/** Masks what a runbook writes of credentials (lib/secrets.ts maskWritten) in what `runbook show` prints. */
type Mask = (text: string) => string;

function outline(mod: RunbooksModule, rb: Runbook, io: CliIO, mask: Mask): void {
  io.out(`${rb.file} — ${rb.title}`);
  io.out(`  ${counted(rb.procedures.length, 'procedure')}, ${counted(rb.blocks.length, 'code block')}, ${counted(rb.tables.length, 'table')}, ${counted(rb.checklists.length, 'checklist')}`);
  if (rb.procedures.length === 0) {
    // Said as `runbook lint` says it (a warning, exit 0), with the headings read, so the reader sees what opsbook found instead.
    io.out(`  no procedure found (${mod.NO_PROCEDURE_WHY})`);
    const headings = (sections: Runbook['sections']): Runbook['sections'] => sections.flatMap((s) => [s, ...headings(s.children)]);
    const all = headings(rb.sections);
    if (all.length > 0) io.out(`  sections: ${all.map((s) => `${mask(s.title)} :${s.line}`).join(', ')}`);
  }
  // The file as the config's `runbooks:` names it makes the reference: `opsbook run runbooks/x.md#ID`.
  if (rb.procedures.length > 0) io.out(`  steps are numbered as \`opsbook run FILE#${rb.procedures[0]!.id} --step N\` takes them`);
  for (const p of rb.procedures) {
    io.out('');
    io.out(`  ${p.id}  ${p.title}  (line ${p.line})`);
    // Numbered through the phases in document order, as `opsbook run --step N` counts them.
    let number = 0;
    for (const ph of p.phases) {
      io.out(`    ${[ph.kind, ...(ph.also ?? [])].join(' + ')}${ph.label ? ` — ${ph.label}` : ''}`);
      for (const s of ph.steps) {
        io.out(`      ${++number}. ${s.text ? mask(s.text) : '(code)'}  :${s.line}`);
        for (const b of s.blocks) {
          io.out(`          ${BADGE[b.effect]} ${b.target} block :${b.line}${b.reasons[0] ? ` — ${b.reasons[0]}` : ''}`);
          for (const ph2 of b.placeholders) io.out(`              needs ${ph2}`);
        }
      }
    }
  }
  for (const w of rb.warnings) io.out(`  ⚠ ${rb.file}:${w.line} ${w.message}`);
}

/** `opsbook runbook show` (credentials the steps write shown masked) and `opsbook runbook lint`. */
export const registerRunbook: RegisterCommands = (program, io) => {
  const runbook = program.command('runbook').description('Runbooks: read them as procedures, lint them. Local by nature: they read the files named (a daemon’s runbooks: GET /api/runbooks).');
  runbook
    .command('show')
    .description('Outline of each runbook: procedures, phases, steps, with effect badges; or the JSON model.')
    .argument('<files...>', 'runbook files (any extension) or directories; FILE#ID shows that procedure only, as `opsbook run` names it')
    .option('--json', 'print the documented JSON (one object per file; an array for several)')
    .action(async (files: string[], opts: { json?: boolean }) => {
      const mod = await import('../../runbooks/index.js');
      // Credentials a step writes (`curl -u ops:PASSWORD`, `?token=…`) are printed masked.
      const { maskWritten } = await import('../../lib/secrets.js');
      const mask: Mask = (text) => maskWritten(text);
      const rbs = await readProcedures(mod, files, io);
      if (opts.json) {
        const json = rbs.map((rb) => mod.runbookToJson(rb));
        io.out(JSON.stringify(json.length === 1 && files.length === 1 ? json[0] : json, (_k, v: unknown) => (typeof v === 'string' ? mask(v) : v), 2));
        return;
      }
      rbs.forEach((rb, i) => {
        if (i > 0) io.out('');
        outline(mod, rb, io, mask);
      });
    });
  runbook
    .command('lint')
    .description('Warn about gaps: no diagnosis, unverified destructive steps, unexplained placeholders, blocks without language, broken links, empty sections. Exit 1 only when a file cannot be read.')
    .argument('<paths...>', 'runbook files (any extension) or directories')
    .action(async (paths: string[]) => {
      const mod = await import('../../runbooks/index.js');
      const rbs = await readAll(mod, paths, io);
      let count = 0;
      for (const rb of rbs) {
        for (const w of [...rb.warnings, ...mod.lintRunbook(rb)].sort((a, b) => a.line - b.line)) {
          io.out(`${rb.file}:${w.line}: warning: ${w.message} (${w.code})`);
          count++;
        }
      }
      io.err(`${rbs.length} runbook${rbs.length === 1 ? '' : 's'} checked, ${count} warning${count === 1 ? '' : 's'}`);
    });
};

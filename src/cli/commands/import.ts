import type { CliIO, RegisterCommands } from '../context.js';
import { OpsbookError } from '../../lib/errors/index.js';

export const registerImport: RegisterCommands = (program, io) => {
  program
    .command('import [files...]')
    .description('Propose an ops config from runbooks (and Prometheus rule files): every item with its source line, unknowns as ${TODO_…}, credentials the runbooks write as ${NAME} references. Local by nature: it reads files and writes a proposal.')
    .option('-o, --out <dir>', 'write DIR/ops.yaml (and DIR/prometheus/rules.yaml, the Prometheus rules rule_files: names) instead of printing')
    .option('--json', 'print the proposal as JSON (items, sources, findings, TODO variables)')
    .option('--compare <dir>', "import DIR/ops.yaml's runbooks and print how many of its items import finds with correct numbers")
    .action(async (files: string[], opts: { out?: string; json?: boolean; compare?: string }) => {
      if (opts.compare) {
        process.exitCode = await compareExample(opts.compare, io);
        return;
      }
      if (files.length === 0) throw new OpsbookError('OPSBOOK_E_USAGE', 'opsbook import needs runbook files, or --compare DIR', { location: { path: 'files' } });
      const path = await import('node:path');
      const { mkdir, readFile, writeFile } = await import('node:fs/promises');
      const { emit, propose } = await import('../../import/index.js');
      const outDir = opts.out ? path.resolve(opts.out) : undefined;
      const inputs = [];
      for (const file of files) {
        let text: string;
        try {
          text = await readFile(file, 'utf8');
        } catch (e) {
          io.err(`${file}: error: cannot read runbook: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message} (OPSBOOK_E_RUNBOOK_READ)`);
          process.exitCode = 1;
          return;
        }
        // The config refers to runbooks relative to where it is written.
        const ref = outDir ? path.relative(outDir, path.resolve(file)).split(path.sep).join('/') : file;
        inputs.push({ text, ref });
      }
      const proposal = propose(inputs);
      if (opts.json) {
        io.out(JSON.stringify(proposal, null, 2));
        return;
      }
      const rulesFile = 'prometheus/rules.yaml';
      const emitted = emit(proposal, outDir ? { prometheusRulesFile: rulesFile } : {});
      if (!outDir) {
        io.out(emitted.config.trimEnd());
        return;
      }
      await mkdir(outDir, { recursive: true });
      await writeFile(path.join(outDir, 'ops.yaml'), emitted.config);
      const written = [path.join(opts.out!, 'ops.yaml')];
      if (emitted.prometheusRules) {
        // A subdirectory: `opsbook validate DIR` reads DIR/*.yaml, and a rule file is not ops config.
        await mkdir(path.join(outDir, 'prometheus'), { recursive: true });
        await writeFile(path.join(outDir, rulesFile), emitted.prometheusRules);
        written.push(path.join(opts.out!, rulesFile));
      }
      const count = (section: string): number => proposal.items.filter((i) => i.section === section).length;
      io.err(`wrote ${written.join(', ')}: ${count('checks')} checks, ${count('rules')} rules, ${count('severities')} severities, ${count('escalation_policies')} escalation policies, ${count('slos')} SLOs${emitted.prometheusRules ? `, ${proposal.prometheusRules.filter((r) => r.leftOut === undefined).length} Prometheus rules` : ''}`);
      if (proposal.todos.length > 0) io.err(`${proposal.todos.length} TODO variables to set (listed at the top of ops.yaml), then: opsbook validate ${path.join(opts.out!, 'ops.yaml')}`);
      // Credentials are never written into the file: the user sets them where opsbook runs.
      if (proposal.credentials.length > 0) io.err(`${proposal.credentials.length} credentials the runbooks write are \${NAME} references, not copied; set them where opsbook runs: ${proposal.credentials.map((c) => c.name).join(', ')}`);
    });
};

/** `opsbook import --compare DIR`: the match figure of DIR/ops.yaml against what import proposes from its runbooks. */
async function compareExample(dir: string, io: CliIO): Promise<number> {
  const path = await import('node:path');
  const { readFile, readdir } = await import('node:fs/promises');
  const { parse } = await import('yaml');
  const { propose, compare, formatComparison, notInRunbook } = await import('../../import/index.js');
  const configFile = path.join(dir, 'ops.yaml');
  let example: Record<string, unknown>;
  let marks: Map<string, string>;
  try {
    const configText = await readFile(configFile, 'utf8');
    example = (parse(configText) ?? {}) as Record<string, unknown>;
    marks = notInRunbook(configText);
  } catch (e) {
    io.err(`${configFile}: error: cannot read the example config: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message} (OPSBOOK_E_CONFIG_READ)`);
    return 1;
  }
  const inputs = [];
  // `runbooks:` is a list of files, or an object whose `files` is that list (with phases, url_prefixes).
  const listed = example.runbooks && typeof example.runbooks === 'object' && !Array.isArray(example.runbooks) ? (example.runbooks as { files?: unknown }).files : example.runbooks;
  for (const ref of Array.isArray(listed) ? listed.map(String) : []) {
    const names = ref.includes('*') ? (await readdir(path.join(dir, path.dirname(ref)))).filter((n) => new RegExp(`^${path.basename(ref).replace(/[.]/g, '\\.').replace(/\*/g, '.*')}$`).test(n)).sort().map((n) => `${path.dirname(ref)}/${n}`) : [ref];
    for (const name of names) inputs.push({ text: await readFile(path.join(dir, name), 'utf8'), ref: name });
  }
  if (inputs.length === 0) {
    io.err(`${configFile}: error: runbooks: lists no runbook to import (OPSBOOK_E_CONFIG_INVALID)`);
    return 1;
  }
  const result = compare(propose(inputs), example, inputs.map((i) => i.text), marks);
  io.out(formatComparison(path.basename(path.resolve(dir)), result));
  for (const m of result.missing) io.out(`  not found: ${m}`);
  for (const m of result.notCounted) io.out(`  not counted: ${m}`);
  for (const m of result.open) io.out(`  left open: ${m}`);
  for (const m of result.notStated) io.out(`  not stated by the runbook: ${m}`);
  return 0;
}

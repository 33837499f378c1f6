import type { RegisterCommands } from '../context.js';

export const registerImport: RegisterCommands = (program, io) => {
  program
    .command('import <files...>')
    .description('Propose an ops config from runbooks (and Prometheus rule files): every item with its source line, unknowns as ${TODO_…}. Local by nature: it reads files and writes a proposal.')
    .option('-o, --out <dir>', 'write DIR/ops.yaml (and DIR/prometheus/rules.yaml for rules kept verbatim) instead of printing')
    .option('--json', 'print the proposal as JSON (items, sources, findings, TODO variables)')
    .action(async (files: string[], opts: { out?: string; json?: boolean }) => {
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
        // A subdirectory: `opsbook validate DIR` reads DIR/*.yaml, and a rules file is not ops config.
        await mkdir(path.join(outDir, 'prometheus'), { recursive: true });
        await writeFile(path.join(outDir, rulesFile), emitted.prometheusRules);
        written.push(path.join(opts.out!, rulesFile));
      }
      const count = (section: string): number => proposal.items.filter((i) => i.section === section).length;
      io.err(`wrote ${written.join(', ')}: ${count('checks')} checks, ${count('rules')} rules, ${count('severities')} severities, ${count('escalation_policies')} escalation policies, ${count('slos')} SLOs`);
      if (proposal.todos.length > 0) io.err(`${proposal.todos.length} TODO variables to set (listed at the top of ops.yaml), then: opsbook validate ${path.join(opts.out!, 'ops.yaml')}`);
    });
};

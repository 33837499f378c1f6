import { z } from 'zod';
import { filesOrMapping } from './common.js';

/** Phase kinds a runbook heading can open (as in src/runbooks/model.ts), plus `notes`. */
const PHASE_KEYS = ['symptoms', 'impact', 'diagnosis', 'resolution', 'verification', 'rollback', 'prevention', 'post-incident', 'escalation', 'steps', 'notes'] as const;

const runbooksObject = z.strictObject({
  files: z
    .array(z.string().min(1))
    .default([])
    .describe('Runbook markdown files: paths or globs (runbooks/*.md) relative to the config directory. A `**` may walk at most 10,000 folders beneath it (a wider one, such as /**/*.md, is refused).'),
  phases: z
    .partialRecord(z.enum(PHASE_KEYS), z.array(z.string().min(1)).describe('Labels that open this phase, matched whole and case-insensitively.'))
    .default({})
    .describe('Headings or bold labels read as a phase besides the built-in ones, by phase (diagnosis: ["Checks to run"]); notes: headings whose content is not steps. See docs/runbooks.md.'),
  url_prefixes: z
    .array(z.url())
    .default([])
    .describe('Where the runbooks are published (https://runbooks.example.org/runbooks/): a runbook_url, runbook or playbook annotation under one of these links the local runbook at the rest of the path.'),
});

/**
 * `runbooks:` — a list of files (the short form), or `files`, `phases` and `url_prefixes`.
 */
export const runbooksSection = filesOrMapping(runbooksObject)
  .default({ files: [], phases: {}, url_prefixes: [] })
  .describe('Runbooks: a list of markdown files (paths or globs relative to the config directory), or an object with files, phases and url_prefixes.');

export type RunbooksConfig = z.output<typeof runbooksObject>;

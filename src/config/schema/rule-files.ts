import { z } from 'zod';
import { filesOrMapping } from './common.js';
import { duration } from './common.js';

/** What opsbook makes of one rule-file alert, in place of what its labels and annotations say. */
const ruleFileAlert = z.strictObject({
  severity: z
    .string()
    .min(1)
    .optional()
    .describe("Severity of this alert's incidents: a ladder id (P2), in place of what its `severity` label maps to."),
  runbook: z
    .string()
    .min(1)
    .optional()
    .describe("Procedure to show the responder, FILE#ID, in place of the alert's runbook annotation."),
}).describe('What opsbook makes of the alerts of this name.');

const ruleFilesObject = z.strictObject({
  files: z
    .array(z.string().min(1))
    .default([])
    .describe('Prometheus rule files (`groups:`): paths or globs relative to the config directory. A `**` may walk at most 10,000 folders beneath it (a wider one is refused).'),
  evaluation_interval: duration({ min: '1s', max: '1d' })
    .prefault('1m')
    .describe("How often a group without its own `interval` is evaluated (Prometheus' global.evaluation_interval)."),
  alerts: z
    .record(z.string().min(1), ruleFileAlert)
    .default({})
    .describe('Per alert name (`alert:` of a rule file): the severity and runbook its incidents get, stated here so the rule file stays as written.'),
});

/**
 * `rule_files:` — Prometheus alerting and recording rules evaluated by opsbook: a list of files
 * (the short form, as in prometheus.yml), or `files`, `evaluation_interval` and `alerts` (severity and
 * runbook per alert name, where they differ from the file's labels and annotations).
 */
export const ruleFilesSection = filesOrMapping(ruleFilesObject)
  .default({ files: [], evaluation_interval: 60_000, alerts: {} })
  .describe('Prometheus rule files evaluated by opsbook: a list of paths or globs relative to the config directory, or an object with files, evaluation_interval and alerts. See docs/rule-files.md.');

export type RuleFilesConfig = z.output<typeof ruleFilesObject>;

export type RuleFileAlertConfig = z.output<typeof ruleFileAlert>;

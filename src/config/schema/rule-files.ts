import { z } from 'zod';
import { duration } from './common.js';

const ruleFilesObject = z.strictObject({
  files: z
    .array(z.string().min(1))
    .default([])
    .describe('Prometheus rule files (`groups:`): paths or globs relative to the config directory.'),
  evaluation_interval: duration({ min: '1s', max: '1d' })
    .prefault('1m')
    .describe("How often a group without its own `interval` is evaluated (Prometheus' global.evaluation_interval)."),
});

/**
 * `rule_files:` — Prometheus alerting and recording rules evaluated by opsbook: a list of files
 * (the short form, as in prometheus.yml), or `files` and `evaluation_interval`.
 */
export const ruleFilesSection = z
  .preprocess((v) => (Array.isArray(v) ? { files: v } : v), ruleFilesObject)
  .default({ files: [], evaluation_interval: 60_000 })
  .describe('Prometheus rule files evaluated by opsbook: a list of paths or globs relative to the config directory, or an object with files and evaluation_interval. See docs/rule-files.md.');

export type RuleFilesConfig = z.output<typeof ruleFilesObject>;

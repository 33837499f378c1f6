import { z } from 'zod';
import { anchoredRegex } from '../../promql/syntax.js';
import { duration, timeoutPastInterval, labels, LABEL_NAME_PATTERN, pushIssue } from './common.js';

/**
 * `scrape:` — Prometheus scrape jobs whose samples go into opsbook's sample store, and `samples:`,
 * how long that store keeps them. Keys follow Prometheus' `scrape_configs` so a job can be copied
 * over; what is not here (service discovery, authorization, TLS options, `hashmod`, `keepequal`…)
 * is refused as an unknown key rather than ignored.
 */

export const RELABEL_ACTIONS = ['replace', 'keep', 'drop', 'labeldrop', 'labelkeep', 'labelmap', 'lowercase', 'uppercase'] as const;

const labelName = z.string().regex(LABEL_NAME_PATTERN, { error: 'label names use letters, digits and _ (not starting with a digit)' });

const regex = z
  .string()
  .superRefine((text, ctx) => {
    try {
      anchoredRegex(text);
    } catch (e) {
      pushIssue(ctx, 'OPSBOOK_E_CONFIG_INVALID', `is not a valid regular expression: ${(e as Error).message}`, text);
    }
  })
  .default('(.*)')
  .describe('RE2 regular expression, anchored at both ends (default (.*)).');

export const relabelConfig = z
  .strictObject({
    source_labels: z.array(labelName).default([]).describe('Labels whose values, joined by separator, the regex is matched against.'),
    separator: z.string().default(';').describe('Joins the source label values (default ;).'),
    regex,
    target_label: z.string().min(1).optional().describe('Label a replace, lowercase or uppercase writes; may use $1 / ${name} references with replace.'),
    replacement: z.string().default('$1').describe('Value written by replace, or label name written by labelmap; $1, ${1}, ${name} refer to regex groups (default $1).'),
    action: z.enum(RELABEL_ACTIONS).default('replace').describe('replace, keep, drop, labeldrop, labelkeep, labelmap, lowercase or uppercase (default replace).'),
  })
  .superRefine((r, ctx) => {
    if (['replace', 'lowercase', 'uppercase'].includes(r.action) && r.target_label === undefined) {
      pushIssue(ctx, 'OPSBOOK_E_CONFIG_INVALID', `relabel action ${r.action} needs target_label`, r, ['target_label']);
    }
    if (['labeldrop', 'labelkeep'].includes(r.action) && (r.source_labels.length > 0 || r.target_label !== undefined)) {
      pushIssue(ctx, 'OPSBOOK_E_CONFIG_INVALID', `relabel action ${r.action} takes only regex (no source_labels or target_label)`, r);
    }
    if (['keep', 'drop'].includes(r.action) && r.source_labels.length === 0) {
      pushIssue(ctx, 'OPSBOOK_E_CONFIG_INVALID', `relabel action ${r.action} needs source_labels`, r, ['source_labels']);
    }
  });
export type RelabelConfig = z.output<typeof relabelConfig>;

const target = z
  .string()
  .regex(/^(\[[0-9a-fA-F:.]+\]|[^\s/:[\]]+):\d{1,5}$/, { error: 'must be host:port, e.g. 127.0.0.1:9100 or [::1]:9090' })
  .describe('host:port of an exporter.');

export const scrapeJob = z
  .strictObject({
    job: z.string().min(1).max(200).describe('Job name (job_name): the `job` label of every series the job scrapes.'),
    interval: duration({ min: '1s', max: '1d' }).prefault('1m').describe('Time between scrapes of each target (scrape_interval; default 1m).'),
    scrape_timeout: duration({ min: '10ms', max: '10m' })
      .optional()
      .describe('A scrape taking longer fails, up = 0 (default 10s, or the interval when shorter; not longer than the interval).'),
    metrics_path: z.string().startsWith('/', { error: 'must start with /' }).default('/metrics').describe('HTTP path of the exposition (default /metrics).'),
    scheme: z.enum(['http', 'https']).default('http').describe('http or https (default http).'),
    params: z.record(z.string(), z.array(z.string())).default({}).describe('URL query parameters, name → values (e.g. module: [http_2xx]).'),
    honor_labels: z.boolean().default(false).describe('Keep scraped labels that clash with target labels (default false: they become exported_<name>).'),
    targets: z.array(target).default([]).describe('host:port of each target (a static_configs entry of its own).'),
    labels: labels().describe('Labels added to every series of `targets`.'),
    static_configs: z
      .array(z.strictObject({ targets: z.array(target).min(1), labels: labels() }))
      .default([])
      .describe('Targets with their own labels, as Prometheus writes them.'),
    relabel_configs: z.array(relabelConfig).default([]).describe('Rewrites target labels before the scrape (a dropped target is not scraped).'),
    metric_relabel_configs: z.array(relabelConfig).default([]).describe('Rewrites or drops each scraped series before it is stored.'),
  })
  .superRefine((j, ctx) => {
    if (j.scrape_timeout !== undefined && j.scrape_timeout > j.interval) {
      pushIssue(ctx, 'OPSBOOK_E_CONFIG_INVALID', timeoutPastInterval(j.scrape_timeout, j.interval), j.scrape_timeout, ['scrape_timeout']);
    }
    if (j.targets.length === 0 && j.static_configs.length === 0) {
      pushIssue(ctx, 'OPSBOOK_E_CONFIG_INVALID', 'a scrape job needs targets or static_configs', j, ['targets']);
    }
  });
export type ScrapeJob = z.output<typeof scrapeJob>;

export const scrapeSection = z.array(scrapeJob).default([]).describe('Prometheus scrape jobs: samples into the sample store (docs/samples.md).');

export const samplesSection = z
  .strictObject({
    retention: duration({ min: '5m', max: '30d' }).prefault('2h').describe('How long scraped samples are kept (default 2h).'),
    flush_interval: duration({ min: '1s', max: '10m' }).prefault('15s').describe('How often new samples are written to the store; a crash loses at most this much (default 15s).'),
  })
  .prefault({})
  .describe('The sample store that scrapes and metrics checks write to (docs/samples.md).');

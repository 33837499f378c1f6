import { isMap, parseDocument } from 'yaml';
import { parseRunbook } from '../runbooks/index.js';
import { FileContext, ProposalState, slug } from './context.js';
import { extractAutoscalers } from './extract/autoscalers.js';
import { extractBackups } from './extract/backups.js';
import { extractCelery } from './extract/celery.js';
import { extractErrorRates } from './extract/error-rates.js';
import { extractEscalation } from './extract/escalation.js';
import { extractHttpChecks } from './extract/http.js';
import { extractProblemQueries } from './extract/problem-queries.js';
import { extractProbes } from './extract/probes.js';
import { extractPrometheusRules } from './extract/prometheus.js';
import { extractQueueChecks } from './extract/redis.js';
import { extractService } from './extract/services.js';
import { extractSeverities } from './extract/severities.js';
import { extractSlos } from './extract/slos.js';
import { extractSymptomMetrics } from './extract/symptom-metrics.js';
import { extractStoreChecks } from './extract/stores.js';
import { extractThresholds } from './extract/thresholds.js';
import { extractTls } from './extract/tls.js';
import { withoutCredentials } from './credentials.js';
import { Linker } from './link.js';
import type { Proposal } from './model.js';
import { addLevelRules } from './severity.js';

export interface ImportInput {
  /** The file's text. */
  text: string;
  /** The path the proposed config refers to it by (relative to the output directory). */
  ref: string;
}

/** A Prometheus rules file (`groups:` at the top) rather than a markdown runbook. */
function isRulesFile(input: ImportInput): boolean {
  if (!/\.ya?ml$/i.test(input.ref) && !/^groups:/m.test(input.text)) return false;
  const doc = parseDocument(input.text);
  return doc.errors.length === 0 && isMap(doc.contents) && doc.contents.has('groups');
}

const YAML_LANGUAGES = new Set(['yaml', 'yml']);

/**
 * Proposes an ops config from runbooks: every item with the lines it came from, every unknown a
 * `${TODO_…}` variable, every credential the runbooks write a `${NAME}` (see withoutCredentials). Pure and deterministic: the same inputs in the same order give the same
 * proposal. Never throws on odd input; what it cannot read it leaves out.
 */
export function propose(inputs: ImportInput[]): Proposal {
  const state = new ProposalState();
  const contexts = inputs.map((input) => {
    const rules = isRulesFile(input);
    const ctx = new FileContext(input.ref, input.text, parseRunbook(rules ? '' : input.text, { file: input.ref }), state);
    return { ctx, rules };
  });
  const markdown = contexts.filter((c) => !c.rules).map((c) => c.ctx);
  for (const ctx of markdown) extractService(ctx);
  for (const ctx of markdown) extractSeverities(ctx);
  const linker = new Linker(markdown);
  for (const { ctx, rules } of contexts) {
    if (rules) {
      ctx.service = slug(ctx.ref.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '')) || 'rules';
      extractPrometheusRules(ctx, ctx.text, 1, linker);
      continue;
    }
    const linkFor = (terms: string[]): string | undefined => linker.find(terms, ctx);
    extractHttpChecks(ctx, linkFor);
    extractProbes(ctx);
    const queues = extractQueueChecks(ctx, linkFor);
    extractStoreChecks(ctx);
    extractProblemQueries(ctx);
    extractCelery(ctx);
    for (const block of ctx.runbook.blocks) {
      if (YAML_LANGUAGES.has(block.language.toLowerCase()) && /^\s*groups\s*:/m.test(block.code)) extractPrometheusRules(ctx, block.code, block.line + 1, linker);
    }
    extractThresholds(ctx, linker, queues);
    extractErrorRates(ctx, linkFor);
    extractSymptomMetrics(ctx);
    extractAutoscalers(ctx);
    extractBackups(ctx);
    extractTls(ctx, linkFor);
    extractEscalation(ctx);
    extractSlos(ctx);
  }
  addLevelRules(
    state,
    (item, base) => {
      const id = state.uniqueId(item.section, base);
      const full = { ...item, id, body: { id, ...item.body } };
      state.items.push(full);
      return full;
    },
    (text, check) => state.findings.push({ what: 'rule', text, source: check.sources[0]! }),
  );
  for (const item of state.items) {
    if (typeof item.body.runbook !== 'string' || item.section !== 'checks') continue;
    const text = `${item.id} → ${item.body.runbook}`;
    if (!state.findings.some((f) => f.what === 'runbook link' && f.text === text)) state.findings.push({ what: 'runbook link', text, source: item.sources[0]! });
  }
  const proposal = {
    runbooks: markdown.map((c) => c.ref),
    items: state.items,
    prometheusRules: state.prometheusRules,
    findings: state.findings,
    todos: state.todoList(),
    credentials: [],
  };
  // Last, so nothing an extractor copied from a command (a URL, a quoted line) keeps a credential.
  const commands = contexts.map(({ ctx }) => ({ ref: ctx.ref, service: ctx.service, commands: ctx.runbook.blocks.flatMap((b) => b.commands) }));
  return withoutCredentials(proposal, commands);
}

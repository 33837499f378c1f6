import { isMap, parseAllDocuments } from 'yaml';
import { yamlValue } from './yaml-value.js';
import type { FileContext } from '../context.js';

const YAML_LANGUAGES = new Set(['yaml', 'yml']);

interface Bounds {
  kind: 'HorizontalPodAutoscaler' | 'ScaledObject';
  target: string;
  min?: number;
  max?: number;
  /** Line of the block's first line of code. */
  line: number;
}

/** The autoscalers a YAML block declares: a HorizontalPodAutoscaler's or a KEDA ScaledObject's bounds. */
function autoscalers(code: string, line: number): Bounds[] {
  const out: Bounds[] = [];
  for (const doc of parseAllDocuments(code)) {
    if (doc.errors.length > 0 || !isMap(doc.contents)) continue;
    const o = yamlValue(doc) as Record<string, unknown> | undefined;
    if (!o) continue;
    const spec = (o.spec ?? {}) as Record<string, unknown>;
    const ref = (spec.scaleTargetRef ?? {}) as Record<string, unknown>;
    if (typeof ref.name !== 'string') continue;
    const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined);
    if (o.kind === 'HorizontalPodAutoscaler') out.push({ kind: o.kind, target: ref.name, min: num(spec.minReplicas) ?? 1, max: num(spec.maxReplicas), line });
    // KEDA's minReplicaCount defaults to 0 (scale to zero): no floor to watch then.
    else if (o.kind === 'ScaledObject') out.push({ kind: o.kind, target: ref.name, min: num(spec.minReplicaCount), max: num(spec.maxReplicaCount), line });
  }
  return out;
}

/**
 * An autoscaler in the runbook's YAML states the capacity its workload keeps: fewer available
 * replicas than its minimum means pods that do not start or are not ready (the autoscaler never asks
 * for fewer), and as many desired replicas as its maximum means it cannot add more. Each bound is a
 * warning level on a metrics check of the target's replicas. The runbook names no metric for them
 * (kube-state-metrics has them), so the selector stays a TODO; no severity is stated, so the level
 * rule is the least urgent and nothing pages.
 */
export function extractAutoscalers(ctx: FileContext): void {
  for (const block of ctx.runbook.blocks) {
    if (!YAML_LANGUAGES.has(block.language.toLowerCase()) || !/^\s*kind:\s*(HorizontalPodAutoscaler|ScaledObject)\s*$/m.test(block.code)) continue;
    for (const a of autoscalers(block.code, block.line + 1)) {
      const procedure = ctx.procedureAt(a.line);
      const url = ctx.todo('replicas_metrics_url', 'URL of the metrics endpoint with the workloads’ replica counts (kube-state-metrics)');
      const add = (what: 'available' | 'desired', warning: string, series: string, bound: string): void => {
        const name = `${a.target}_${what}_replicas`;
        const body: Record<string, unknown> = { kind: 'metrics', service: ctx.service, url, gauge: ctx.todo(`${name}_selector`, `${what} replicas of ${a.target} (kube-state-metrics: ${series}{deployment="${a.target}"})`), warning };
        if (procedure) body.runbook = ctx.reference(procedure);
        const notes = [`${a.kind} of ${a.target}: ${bound} (line ${a.line}); the runbook names no metric and no severity`];
        const check = ctx.add({ section: 'checks', body, sources: [ctx.src(a.line)], notes }, `${ctx.service}-${a.target}-${what}-replicas`);
        ctx.found('check', `${check.id}: metrics (${what} replicas of ${a.target}) — warning ${warning}`, a.line);
      };
      if (a.min !== undefined && a.min > 0) add('available', `[VALUE] < ${a.min}`, 'kube_deployment_status_replicas_available', `at least ${a.min} replicas`);
      if (a.max !== undefined) add('desired', `[VALUE] >= ${a.max}`, 'kube_deployment_spec_replicas', `at most ${a.max} replicas`);
    }
  }
}

import { isMap, parseDocument } from 'yaml';
import { yamlValue } from './yaml-value.js';
import type { FileContext } from '../context.js';
import type { Item } from '../model.js';

/** A Kubernetes probe's timing field and the check key that keeps it. */
const TIMINGS: [string, string, (n: number) => unknown][] = [
  ['initialDelaySeconds', 'initial_delay', (n) => `${n}s`],
  ['periodSeconds', 'interval', (n) => `${n}s`],
  ['timeoutSeconds', 'timeout', (n) => `${n}s`],
  ['failureThreshold', 'failure_threshold', (n) => n],
];

interface Probe {
  kind: string;
  path: string;
  timings: Record<string, number>;
}

/** Every `xxxProbe: { httpGet: { path } … }` in the YAML, wherever it is nested (a pod spec, a bare snippet). */
function probesIn(value: unknown, out: Probe[] = []): Probe[] {
  if (Array.isArray(value)) {
    for (const v of value) probesIn(v, out);
    return out;
  }
  if (!value || typeof value !== 'object') return out;
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const get = (v as { httpGet?: { path?: unknown } } | null)?.httpGet;
    if (/Probe$/.test(key) && typeof get?.path === 'string') {
      const timings: Record<string, number> = {};
      for (const [field] of TIMINGS) {
        const n = (v as Record<string, unknown>)[field];
        if (typeof n === 'number' && Number.isInteger(n) && n >= 0) timings[field] = n;
      }
      out.push({ kind: key, path: get.path, timings });
    } else probesIn(v, out);
  }
  return out;
}

/**
 * Kubernetes probes in the runbook's YAML give the health check on the same path its timings:
 * initialDelaySeconds, periodSeconds, timeoutSeconds and failureThreshold become initial_delay,
 * interval, timeout and failure_threshold. A probe on a path no check reads yet adds an http check.
 */
export function extractProbes(ctx: FileContext): void {
  for (const block of ctx.runbook.blocks) {
    if (!/^(ya?ml)?$/i.test(block.language) || !/Probe\s*:/.test(block.code)) continue;
    const doc = parseDocument(block.code);
    if (doc.errors.length > 0 || !isMap(doc.contents)) continue;
    for (const probe of probesIn(yamlValue(doc))) {
      const at = block.code.split('\n').findIndex((l) => l.trim().startsWith(`${probe.kind}:`));
      const line = block.line + 1 + Math.max(0, at);
      const path = probe.path.replace(/\/$/, '');
      let check: Item | undefined = ctx.state.items.find((i) => i.section === 'checks' && i.body.service === ctx.service && (i.body.kind === 'http' || i.body.kind === 'json') && String(i.body.url).replace(/^\$\{[^}]+\}/, '').replace(/^[a-z]+:\/\/[^/]+/i, '').replace(/\/$/, '') === path);
      if (!check) {
        if (!ctx.baseUrl) continue;
        check = ctx.add({ section: 'checks', body: { kind: 'http', service: ctx.service, url: `${ctx.baseUrl}${probe.path}` }, sources: [ctx.src(line)], notes: [] }, `${ctx.service}-${path.replace(/^\/+/, '').replace(/[^a-z0-9]+/gi, '-').toLowerCase() || 'root'}`);
      } else if (!check.sources.some((s) => s.line === line)) check.sources.push(ctx.src(line));
      const set: string[] = [];
      for (const [field, key, as] of TIMINGS) {
        if (probe.timings[field] === undefined) continue;
        check.body[key] = as(probe.timings[field]);
        set.push(`${field} ${probe.timings[field]}`);
      }
      if (set.length === 0) continue;
      check.notes.push(`${probe.kind} (line ${line}): ${set.join(', ')}`);
      ctx.found('check', `${check.id}: ${probe.kind} timings — ${set.join(', ')}`, line);
    }
  }
}

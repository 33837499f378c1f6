import type { JsonMapping } from '../../config/schema/integrations.js';
import { OpsbookError } from '../../lib/errors/index.js';
import { seriesKey } from '../series.js';
import type { AlertEvent } from '../types.js';
import { severityFromLabel, type IngestDefaults } from './alertmanager.js';

type Segment = string | number;

/** `$.a.b[0]["c d"]` → ['a', 'b', 0, 'c d']; the config schema has checked the syntax. */
export function parseJsonPath(path: string): Segment[] {
  const out: Segment[] = [];
  const re = /\.([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]|\["([^"]*)"\]/g;
  for (const m of path.slice(1).matchAll(re)) out.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : m[3]!));
  return out;
}

/** The value at a path, or undefined when any step of it is missing. */
export function readJsonPath(doc: unknown, path: string): unknown {
  let cur: unknown = doc;
  for (const seg of parseJsonPath(path)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = typeof seg === 'number' ? (Array.isArray(cur) ? cur[seg] : undefined) : Object.hasOwn(cur, seg) ? (cur as Record<string, unknown>)[seg] : undefined;
  }
  return cur;
}

/** The request-body path of a mapping path, for errors: `$.alert.title` at alert 2 → `body.events[2].alert.title`. */
function where(prefix: string, path: string): string {
  return `${prefix}${path.slice(1)}`;
}

function scalar(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/**
 * A generic JSON payload as alerts, through the integration's mapping. A title or dedup key the
 * payload lacks (or that is not text or a number) is refused with the exact path in the body;
 * a missing label or severity is left out (the label) or defaulted (the severity).
 */
export function eventsFromJson(integrationId: string, mapping: JsonMapping, body: unknown, now: number, defaults: IngestDefaults): AlertEvent[] {
  let items: Array<{ doc: unknown; prefix: string }> = [{ doc: body, prefix: 'body' }];
  if (mapping.alerts) {
    const list = readJsonPath(body, mapping.alerts);
    if (!Array.isArray(list)) throw new OpsbookError('OPSBOOK_E_REQUEST_INVALID', `expected a list of alerts at ${mapping.alerts} (integrations[${integrationId}].mapping.alerts)`, { location: { path: where('body', mapping.alerts) } });
    items = list.map((doc, i) => ({ doc, prefix: `${where('body', mapping.alerts!)}[${i}]` }));
  }
  const ruleId = `json:${integrationId}`;
  return items.map(({ doc, prefix }) => {
    const required = (field: 'title' | 'dedup_key'): string => {
      const v = scalar(readJsonPath(doc, mapping[field]));
      if (v === undefined || v === '') {
        throw new OpsbookError('OPSBOOK_E_REQUEST_INVALID', `${field} is mapped to ${mapping[field]}, which this payload lacks or holds no text at`, { location: { path: where(prefix, mapping[field]) } });
      }
      return v;
    };
    const title = required('title');
    const key = required('dedup_key');
    const labels: Record<string, string> = { ...(defaults.labels ?? {}) };
    for (const [name, path] of Object.entries(mapping.labels)) {
      const v = scalar(readJsonPath(doc, path));
      if (v !== undefined) labels[name] = v;
    }
    labels.dedup_key = key;
    const status = mapping.status ? scalar(readJsonPath(doc, mapping.status)) : undefined;
    const resolved = status !== undefined && mapping.resolved_values.includes(status);
    const summary = mapping.summary ? scalar(readJsonPath(doc, mapping.summary)) : undefined;
    const severity = mapping.severity ? scalar(readJsonPath(doc, mapping.severity)) : undefined;
    return {
      kind: resolved ? 'resolved' : 'firing',
      ruleId,
      dedupKey: seriesKey(ruleId, { dedup_key: key }),
      labels,
      annotations: { summary: title, ...(summary ? { description: summary } : {}) },
      severity: severityFromLabel(severity, defaults.ladder),
      at: now,
    } satisfies AlertEvent;
  });
}

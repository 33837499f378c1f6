import { z } from 'zod';
import { seriesKey } from '../series.js';
import type { AlertEvent } from '../types.js';

/** Alertmanager's webhook payload, version 4 (the only version Alertmanager has sent since 0.10). */
export const alertmanagerPayload = z.object({
  version: z.literal('4'),
  groupKey: z.string(),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string(),
  groupLabels: z.record(z.string(), z.string()).default({}),
  commonLabels: z.record(z.string(), z.string()).default({}),
  commonAnnotations: z.record(z.string(), z.string()).default({}),
  externalURL: z.string().default(''),
  truncatedAlerts: z.number().int().optional(),
  alerts: z.array(
    z.object({
      status: z.enum(['firing', 'resolved']),
      labels: z.record(z.string(), z.string()),
      annotations: z.record(z.string(), z.string()).default({}),
      startsAt: z.string(),
      endsAt: z.string().optional(),
      generatorURL: z.string().optional(),
      fingerprint: z.string().optional(),
    }),
  ),
});

export type AlertmanagerPayload = z.infer<typeof alertmanagerPayload>;

export interface IngestDefaults {
  /** Severity ids from most to least severe (the configured ladder). */
  ladder: readonly string[];
  /** Labels added to every alert from this integration (e.g. `service`). */
  labels?: Record<string, string>;
  /**
   * The local procedure (`FILE#ID`) an alert's runbook link names, or undefined when none does;
   * given by the daemon, which holds the runbooks.
   */
  resolveRunbook?: (link: string, labels: Readonly<Record<string, string>>) => string | undefined;
}

/** Annotations that carry a runbook link, in the order they are tried. */
const RUNBOOK_ANNOTATIONS = ['runbook', 'runbook_url', 'playbook', 'playbook_url'];

/**
 * The runbook an alert links: the procedure its `runbook`, `runbook_url` or `playbook` annotation
 * resolves to; else a `FILE#ID` or http(s) link as written, so the responder still sees it.
 */
export function runbookOf(annotations: Record<string, string>, labels: Record<string, string>, defaults: Pick<IngestDefaults, 'resolveRunbook'>): string | undefined {
  const links = RUNBOOK_ANNOTATIONS.map((k) => annotations[k]?.trim()).filter((v): v is string => !!v);
  for (const link of links) {
    const found = defaults.resolveRunbook?.(link, labels);
    if (found) return found;
  }
  return links.find((l) => l.includes('#') && !/^[a-z][a-z0-9+.-]*:/i.test(l)) ?? links.find((l) => /^https?:\/\//i.test(l));
}

/**
 * The `severity` label mapped onto the ladder: a ladder id (`P2`) as is; `critical`, `error`/`high`,
 * `warning`, `info` to the ladder's first, second, third and fourth rung; anything else to critical
 * (an unknown alert is treated as serious rather than dropped).
 */
export function severityFromLabel(label: string | undefined, ladder: readonly string[]): string {
  if (label && ladder.includes(label)) return label;
  const rank: Record<string, number> = { critical: 0, page: 0, error: 1, high: 1, warning: 2, medium: 2, info: 3, low: 3, ticket: 2 };
  const r = rank[(label ?? 'critical').toLowerCase()] ?? 0;
  return ladder[Math.min(r, ladder.length - 1)]!;
}

function parseTime(text: string | undefined, fallback: number): number {
  const t = text ? Date.parse(text) : NaN;
  // Alertmanager sends 0001-01-01T00:00:00Z for "no end".
  return Number.isFinite(t) && t > 0 ? t : fallback;
}

/**
 * Each alert of a webhook as an `AlertEvent`. The rule id is `alertmanager:<alertname>` and the dedup
 * key covers every label, so the same Prometheus series always joins the same incident.
 * `annotations.runbook`, `runbook_url` or `playbook` links the procedure (see `runbookOf`).
 */
export function eventsFromAlertmanager(payload: AlertmanagerPayload, now: number, defaults: IngestDefaults): AlertEvent[] {
  return payload.alerts.map((a) => {
    const labels = { ...(defaults.labels ?? {}), ...a.labels };
    const ruleId = `alertmanager:${labels.alertname ?? 'unnamed'}`;
    const firing = a.status === 'firing';
    const runbook = runbookOf(a.annotations, labels, defaults);
    return {
      kind: firing ? 'firing' : 'resolved',
      ruleId,
      dedupKey: seriesKey(ruleId, labels),
      labels,
      annotations: { ...a.annotations, ...(a.annotations.summary ? {} : { summary: labels.alertname ?? 'Alertmanager alert' }) },
      severity: severityFromLabel(labels.severity, defaults.ladder),
      ...(runbook ? { runbook } : {}),
      at: firing ? parseTime(a.startsAt, now) : parseTime(a.endsAt, now),
    } satisfies AlertEvent;
  });
}

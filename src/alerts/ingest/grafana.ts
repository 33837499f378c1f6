import { z } from 'zod';
import { seriesKey } from '../series.js';
import type { AlertEvent } from '../types.js';
import { runbookOf, severityFromLabel, type IngestDefaults } from './alertmanager.js';

/**
 * Grafana-managed alerting's webhook contact point payload (version 1): Alertmanager's shape plus
 * Grafana's own fields (orgId, values, dashboardURL, panelURL, silenceURL, title, message).
 */
export const grafanaPayload = z.object({
  receiver: z.string().default(''),
  status: z.enum(['firing', 'resolved']),
  orgId: z.number().int().optional(),
  version: z.string().optional(),
  groupKey: z.string().optional(),
  title: z.string().optional(),
  state: z.string().optional(),
  message: z.string().optional(),
  externalURL: z.string().optional(),
  alerts: z.array(
    z.object({
      status: z.enum(['firing', 'resolved']),
      labels: z.record(z.string(), z.string()).default({}),
      annotations: z.record(z.string(), z.string()).default({}),
      startsAt: z.string().optional(),
      endsAt: z.string().optional(),
      generatorURL: z.string().optional(),
      fingerprint: z.string().optional(),
      silenceURL: z.string().optional(),
      dashboardURL: z.string().optional(),
      panelURL: z.string().optional(),
      values: z.record(z.string(), z.number().nullable()).nullable().optional(),
      valueString: z.string().optional(),
    }),
  ),
});

export type GrafanaPayload = z.infer<typeof grafanaPayload>;

function parseTime(text: string | undefined, fallback: number): number {
  const t = text ? Date.parse(text) : NaN;
  return Number.isFinite(t) && t > 0 ? t : fallback; // Grafana, like Alertmanager, sends year 1 for "no end"
}

/**
 * Each Grafana alert as an `AlertEvent`: rule id `grafana:<alertname>`, dedup key over every label
 * (Grafana adds `grafana_folder`), the runbook from `runbook_url`, the value of the alert's first
 * expression as the alert's value, and Grafana's dashboard and panel links kept as annotations.
 */
export function eventsFromGrafana(payload: GrafanaPayload, now: number, defaults: IngestDefaults): AlertEvent[] {
  return payload.alerts.map((a) => {
    const labels = { ...(defaults.labels ?? {}), ...a.labels };
    const ruleId = `grafana:${labels.alertname ?? 'unnamed'}`;
    const firing = a.status === 'firing';
    const runbook = runbookOf(a.annotations, labels, defaults);
    const value = Object.values(a.values ?? {}).find((v): v is number => typeof v === 'number');
    const links = {
      ...(a.dashboardURL ? { dashboard_url: a.dashboardURL } : {}),
      ...(a.panelURL ? { panel_url: a.panelURL } : {}),
      ...(a.generatorURL ? { generator_url: a.generatorURL } : {}),
    };
    return {
      kind: firing ? 'firing' : 'resolved',
      ruleId,
      dedupKey: seriesKey(ruleId, labels),
      labels,
      annotations: { ...links, ...a.annotations, ...(a.annotations.summary ? {} : { summary: labels.alertname ?? 'Grafana alert' }) },
      severity: severityFromLabel(labels.severity, defaults.ladder),
      ...(runbook ? { runbook } : {}),
      ...(value !== undefined ? { value } : {}),
      at: firing ? parseTime(a.startsAt, now) : parseTime(a.endsAt, now),
    } satisfies AlertEvent;
  });
}

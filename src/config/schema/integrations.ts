import { z } from 'zod';
import { id, labels, pushIssue } from './common.js';

/** A JSON path as the generic intake reads it: `$.a.b[0]["odd key"]`. */
export const JSON_PATH_PATTERN = /^\$((\.[A-Za-z_][A-Za-z0-9_-]*)|(\[\d+\])|(\["[^"]*"\]))*$/;

const jsonPath = z.string().regex(JSON_PATH_PATTERN, { error: 'must be a JSON path such as $.alert.title or $.items[0]["host name"]' });

const mapping = z
  .strictObject({
    alerts: jsonPath.optional().describe('Where the list of alerts is when one request carries several (e.g. $.events); absent: the body is one alert.'),
    title: jsonPath.describe('The alert’s title (required in every payload).'),
    dedup_key: jsonPath.describe('What identifies the alert: the same key joins the same incident and resolves it.'),
    severity: jsonPath.optional().describe('Severity: a ladder id, or critical|error|warning|info (default: the ladder’s first).'),
    status: jsonPath.optional().describe('Firing or resolved; see resolved_values (absent: always firing).'),
    resolved_values: z.array(z.string()).default(['resolved', 'ok', 'OK', 'closed']).describe('Values of status that mean resolved (default resolved, ok, OK, closed).'),
    summary: jsonPath.optional().describe('A longer description shown on the incident.'),
    labels: z.record(z.string(), jsonPath).default({}).describe('Label name → JSON path of its value, e.g. service: $.app.'),
  })
  .describe('How a generic JSON payload maps onto an alert (kind json only).');

/**
 * `integrations:` — senders of alerts from outside (Alertmanager, Grafana, the events API, any JSON
 * sender through a mapping). Each has its own key, so one leaked key is revoked without touching the others.
 */
export const integrationsSection = z
  .array(
    z
      .strictObject({
        id: id().describe('Name of the integration; alerts carry it in their rule id.'),
        kind: z
          .enum(['alertmanager', 'events', 'grafana', 'json'])
          .describe('alertmanager: the webhook receiver; events: the PagerDuty Events v2 shaped API; grafana: Grafana-managed alerting’s webhook contact point; json: any JSON through `mapping`.'),
        key: z.string().min(16, { error: 'must be at least 16 characters; use a random secret from ${ENV}' }).describe('Integration key: a Bearer token for alertmanager, grafana and json, routing_key for events. Use ${ENV}.'),
        labels: labels().describe('Labels added to every alert received, e.g. service: api.'),
        mapping: mapping.optional(),
      })
      .superRefine((i, ctx) => {
        if (i.kind === 'json' && !i.mapping) pushIssue(ctx, 'OPSBOOK_E_CONFIG_INVALID', 'a json integration needs a mapping (title and dedup_key at least)', i, ['mapping']);
        if (i.kind !== 'json' && i.mapping) pushIssue(ctx, 'OPSBOOK_E_CONFIG_INVALID', `mapping applies to kind json only (this is ${i.kind})`, i, ['mapping']);
      }),
  )
  .default([])
  .describe('Alert sources outside opsbook and their keys.');

export type JsonMapping = z.output<typeof mapping>;

import { z } from 'zod';
import { id, labels } from './common.js';

/**
 * `integrations:` — senders of alerts from outside (Alertmanager, the events API). Each has its own
 * key, so one leaked key is revoked without touching the others.
 */
export const integrationsSection = z
  .array(
    z.strictObject({
      id: id().describe('Name of the integration; alerts carry it in their rule id.'),
      kind: z.enum(['alertmanager', 'events']).describe('alertmanager: the webhook receiver; events: the PagerDuty Events v2 shaped API.'),
      key: z.string().min(16, { error: 'must be at least 16 characters; use a random secret from ${ENV}' }).describe('Integration key: a Bearer token for alertmanager, routing_key for events. Use ${ENV}.'),
      labels: labels().describe('Labels added to every alert received, e.g. service: api.'),
    }),
  )
  .default([])
  .describe('Alert sources outside opsbook and their keys.');

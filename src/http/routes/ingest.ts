import { z } from 'zod';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { timingSafeEqual } from 'node:crypto';

import type { Daemon } from '../../daemon/index.js';
import { alertFromEvent, alertmanagerPayload, eventDedupKey, eventPayload, eventsFromAlertmanager, eventsFromGrafana, eventsFromJson, grafanaPayload, type AlertEvent } from '../../alerts/index.js';
import { configuredLadder } from '../../incidents/index.js';
// The link resolver alone: the runbook reader (and its SQL parser) is loaded by the executions.
import { resolveRunbookLink } from '../../runbooks/links.js';
import { findOpenIncidentByDedupKey } from '../../store/index.js';
import { OpsbookError } from '../../lib/errors/index.js';
import { route, type RouteTable } from '../routes.js';
import { operationsOf } from './operations.js';

/** Largest ingest request body (32 MB): a big Alertmanager group fits, an unbounded one does not. */
export const INGEST_BODY_LIMIT = 32 * 1024 * 1024;

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function integrationFor(daemon: Daemon, kind: 'alertmanager' | 'events' | 'grafana' | 'json', key: string | undefined, id?: string) {
  const found = key ? daemon.config.integrations.find((i) => i.kind === kind && (id === undefined || i.id === id) && sameSecret(i.key, key)) : undefined;
  if (!found) throw new OpsbookError('OPSBOOK_E_INTEGRATION_KEY', `send the ${kind} integration key${kind === 'events' ? ' as routing_key' : ' as "Authorization: Bearer KEY"'}`);
  return found;
}

/**
 * Admits `count` alerts into the pipeline, or refuses them with 429 and a Retry-After sized to the
 * backlog. A request is always admitted into an empty pipeline, however many alerts it carries
 * (its body is already bounded), so one big Alertmanager group is never refused forever.
 */
function admit(daemon: Daemon, reply: FastifyReply, count: number): void {
  const backlog = operationsOf(daemon).ingestBacklog;
  const limit = daemon.config.server.ingest_queue;
  if (backlog === 0 || backlog + count <= limit) return;
  // About 100 alerts a second drain on a busy 2-core machine; a sender waits at least a second.
  const seconds = Math.min(60, Math.max(1, Math.ceil(backlog / 100)));
  void reply.header('retry-after', String(seconds));
  throw new OpsbookError('OPSBOOK_E_INGEST_OVERLOADED', `${backlog} alerts are waiting (server.ingest_queue ${limit}); retry in ${seconds} s`);
}

/** Alerts from outside: the Alertmanager webhook and the events API, each with its own integration key. */
export function ingestRoutes(daemon: Daemon): RouteTable {
  // Built once per `severities:` list (a reload's new list makes a new ladder), not on every alert.
  const ladder = () => configuredLadder(daemon.config.severities).ids;
  const resolveRunbook = (link: string, labels: Readonly<Record<string, string>>) =>
    resolveRunbookLink(daemon.executions?.deps.runbooks ?? [], link, { urlPrefixes: daemon.config.runbooks.url_prefixes, ...(labels.alertname ? { alertName: labels.alertname } : {}) });
  const bearer = (request: FastifyRequest) => /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
  const take = async (reply: FastifyReply, events: AlertEvent[]) => {
    admit(daemon, reply, events.length);
    const results = await operationsOf(daemon).ingestBatch(events);
    return { accepted: events.length, incidents: [...new Set(results.flatMap((r) => (r ? [r.incident.id] : [])))] };
  };
  const accepted = z.object({ accepted: z.number().int().describe('Alerts read from the payload'), incidents: z.array(z.string()).describe('Incidents they opened or joined') });
  return [
    route({
      method: 'POST',
      url: '/api/ingest/grafana',
      access: 'public',
      bodyLimit: INGEST_BODY_LIMIT,
      summary: 'Grafana-managed alerting webhook contact point; authenticated by the integration key as a Bearer token (Authorization header, scheme Bearer).',
      tags: ['ingest'],
      body: grafanaPayload,
      response: accepted,
      handler: async ({ request, reply, body }) => {
        const integration = integrationFor(daemon, 'grafana', bearer(request));
        return take(reply, eventsFromGrafana(body, daemon.clock.now(), { ladder: ladder(), labels: integration.labels, resolveRunbook }));
      },
    }),
    route({
      method: 'POST',
      url: '/api/ingest/json/:integration',
      access: 'public',
      bodyLimit: INGEST_BODY_LIMIT,
      summary: 'Any JSON sender: the integration’s mapping (JSON paths) reads title, dedup key, severity, status and labels; Bearer integration key.',
      tags: ['ingest'],
      params: z.object({ integration: z.string().min(1).max(200) }),
      body: z.unknown(),
      response: accepted,
      handler: async ({ request, reply, body, params }) => {
        const integration = integrationFor(daemon, 'json', bearer(request), params.integration);
        return take(reply, eventsFromJson(integration.id, integration.mapping!, body, daemon.clock.now(), { ladder: ladder(), labels: integration.labels }));
      },
    }),
    route({
      method: 'POST',
      url: '/api/ingest/alertmanager',
      access: 'public',
      // Alertmanager sends a whole group in one request: 8,000 alerts are about 4 MB.
      bodyLimit: INGEST_BODY_LIMIT,
      summary: 'Alertmanager webhook receiver (payload version 4); authenticated by the integration key as a Bearer token.',
      tags: ['ingest'],
      body: alertmanagerPayload,
      response: z.object({ accepted: z.number().int().describe('Alerts read from the payload'), incidents: z.array(z.string()).describe('Incidents they opened or joined') }),
      handler: async ({ request, reply, body }) => {
        const key = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
        const integration = integrationFor(daemon, 'alertmanager', key);
        const runbooks = daemon.executions?.deps.runbooks ?? [];
        const urlPrefixes = daemon.config.runbooks.url_prefixes;
        const resolveRunbook = (link: string, labels: Readonly<Record<string, string>>) => resolveRunbookLink(runbooks, link, { urlPrefixes, ...(labels.alertname ? { alertName: labels.alertname } : {}) });
        const events = eventsFromAlertmanager(body, daemon.clock.now(), { ladder: ladder(), labels: integration.labels, resolveRunbook });
        admit(daemon, reply, events.length);
        const ops = operationsOf(daemon);
        // One notification, one transaction: its alerts open or join their incidents together.
        const results = await ops.ingestBatch(events);
        const incidents = results.flatMap((r) => (r ? [r.incident.id] : []));
        return { accepted: events.length, incidents: [...new Set(incidents)] };
      },
    }),
    route({
      method: 'POST',
      url: '/api/events',
      access: 'public',
      summary: 'Trigger, acknowledge or resolve by dedup_key (PagerDuty Events v2 shape); routing_key is the integration key.',
      tags: ['ingest'],
      status: 202,
      body: eventPayload,
      response: z.object({ status: z.literal('success'), message: z.string(), dedup_key: z.string() }),
      handler: async ({ body, reply }) => {
        const integration = integrationFor(daemon, 'events', body.routing_key);
        if (body.event_action !== 'acknowledge') admit(daemon, reply, 1);
        if (body.event_action === 'trigger' && !body.payload) {
          throw new OpsbookError('OPSBOOK_E_REQUEST_INVALID', 'a trigger needs payload.summary, payload.source and payload.severity', { location: { path: 'body.payload' } });
        }
        if (body.event_action !== 'trigger' && !body.dedup_key) {
          throw new OpsbookError('OPSBOOK_E_REQUEST_INVALID', `${body.event_action} needs the dedup_key of the trigger`, { location: { path: 'body.dedup_key' } });
        }
        const dedupKey = body.dedup_key ?? `evt-${daemon.clock.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
        const ops = operationsOf(daemon);
        if (body.event_action === 'acknowledge') {
          const row = await findOpenIncidentByDedupKey(daemon.store.db, eventDedupKey(integration.id, dedupKey));
          if (row) await ops.act(row.id, 'acknowledge', { name: `integration:${integration.id}`, role: 'responder', via: 'token' }).catch(() => undefined);
          return { status: 'success' as const, message: row ? 'Event processed' : 'No open incident for this dedup_key', dedup_key: dedupKey };
        }
        await ops.ingest(alertFromEvent(integration.id, { ...body, dedup_key: dedupKey }, daemon.clock.now(), { ladder: ladder(), labels: integration.labels }));
        return { status: 'success' as const, message: 'Event processed', dedup_key: dedupKey };
      },
    }),
  ];
}


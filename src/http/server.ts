import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Daemon } from '../daemon/index.js';
import { errorHandler, frameworkErrorHandler, notFoundHandler } from './errors.js';
import { registerJsonBody } from './json-body.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerMetricsRoute } from './routes/metrics.js';
import { identityRoutes } from './routes/identity.js';
import { incidentRoutes } from './routes/incidents.js';
import { checkRoutes } from './routes/checks.js';
import { ingestRoutes } from './routes/ingest.js';
import { actionLinkRoutes } from './routes/action-links.js';
import { voiceCallbackRoutes } from './routes/voice-callback.js';
import { pushRoutes } from './routes/push.js';
import { runbookRoutes } from './routes/runbooks.js';
import { executionRoutes } from './routes/executions.js';
import { oncallRoutes } from './routes/oncall.js';
import { maintenanceRoutes } from './routes/maintenance.js';
import { statusPageRoutes } from './routes/status-api.js';
import { channelRoutes } from './routes/channels.js';
import { teamRoutes } from './routes/teams.js';
import { auditRoutes } from './routes/audit.js';
import { alertRoutes } from './routes/alerts.js';
import { sloRoutes } from './routes/slos.js';
import { clusterRoutes } from './routes/cluster.js';
import { registerRouteTable, type RouteTable } from './routes.js';
import { registerUi } from './routes/ui.js';
import { pagerDutyRoutes } from './routes/pagerduty.js';
import { slackRoutes } from './routes/slack.js';
import { alertmanagerSilenceRoutes } from './routes/alertmanager-silences.js';
import { calendarRoutes } from './routes/calendars.js';

/** The API's routes, each with its declared access. */
export function apiRoutes(daemon: Daemon): RouteTable {
  const table: RouteTable = [];
  table.push(...identityRoutes(daemon, () => table), ...checkRoutes(daemon), ...incidentRoutes(daemon), ...ingestRoutes(daemon), ...actionLinkRoutes(daemon), ...voiceCallbackRoutes(daemon), ...pushRoutes(daemon));
  table.push(...runbookRoutes(daemon), ...executionRoutes(daemon), ...oncallRoutes(daemon), ...maintenanceRoutes(daemon), ...channelRoutes(daemon), ...auditRoutes(daemon), ...alertRoutes(daemon), ...sloRoutes(daemon), ...clusterRoutes(daemon), ...statusPageRoutes(daemon), ...teamRoutes(daemon));
  table.push(...pagerDutyRoutes(daemon), ...slackRoutes(daemon), ...alertmanagerSilenceRoutes(daemon), ...calendarRoutes(daemon));
  return table;
}

/** Every route the server registered, with its declared access (undefined = undeclared, a bug). */
export interface RouteInventoryEntry {
  method: string;
  url: string;
  access: string | undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    routeInventory: RouteInventoryEntry[];
  }
}

/** Builds the HTTP app for a daemon. Tests call it in-process with `app.inject`. */
export function buildServer(daemon: Daemon): FastifyInstance {
  const app = Fastify({
    // The daemon's logger, so failed requests reach its log; per-request lines would drown it at probe rates.
    loggerInstance: daemon.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    // In-flight requests finish on close; idle keep-alive sockets are closed straight away.
    forceCloseConnections: 'idle',
    bodyLimit: 1024 * 1024,
    // Signed action-link tokens travel in the path and are longer than Fastify's default 100.
    routerOptions: { maxParamLength: 2048 },
    frameworkErrors: frameworkErrorHandler,
  });
  registerJsonBody(app);
  closeConnectionsOnClose(app);
  app.setErrorHandler(errorHandler(daemon));
  app.setNotFoundHandler(notFoundHandler);
  const inventory: RouteInventoryEntry[] = [];
  app.decorate('routeInventory', inventory);
  app.addHook('onRoute', (opts) => {
    const methods = Array.isArray(opts.method) ? opts.method : [opts.method];
    for (const method of methods) {
      if (method === 'HEAD') continue;
      inventory.push({ method, url: opts.url, access: (opts.config as { access?: string } | undefined)?.access });
    }
  });
  registerHealthRoutes(app, daemon);
  registerMetricsRoute(app, daemon);
  registerRouteTable(app, daemon, apiRoutes(daemon));
  registerUi(app, daemon);
  return app;
}

/**
 * Once the server closes, each answer closes its connection. Fastify closes the connections idle at
 * that moment, but one whose request was still running (a runbook step drained by a clean stop) would
 * otherwise stay open after its answer for the keep-alive time (72 s), and the stop waits for it.
 */
function closeConnectionsOnClose(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) void reply.header('connection', 'close');
  });
}

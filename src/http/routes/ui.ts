import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import type { FastifyInstance } from 'fastify';
import type { Daemon } from '../../daemon/index.js';
import { registerUiRoutes, type UiRoute } from '../ui/route.js';
import { staticRoutes } from '../ui/static.js';
import { loginRoutes } from '../ui/pages/login.js';
import { overviewRoutes } from '../ui/pages/overview.js';
import { checkRoutes } from '../ui/pages/check.js';
import { checksRoutes } from '../ui/pages/checks.js';
import { executionListRoutes } from '../ui/pages/execution-list.js';
import { executionPageRoutes } from '../ui/pages/execution.js';
import { oncallRoutes } from '../ui/pages/oncall.js';
import { runbookRoutes } from '../ui/pages/runbooks.js';
import { incidentRoutes } from '../ui/pages/incidents.js';
import { executionRoutes } from '../ui/pages/executions.js';
import { incidentReviewRoutes } from '../ui/pages/incident-review.js';
import { tokenRoutes } from '../ui/pages/tokens.js';
import { maintenanceRoutes } from '../ui/pages/maintenance.js';
import { reportRoutes } from '../ui/pages/report.js';
import { closeLiveStreams, liveRoutes } from '../ui/live.js';
import { statusRoutes } from './status.js';
import { statusPublishRoutes } from '../ui/pages/status-publish.js';

/** Every web UI route (pages, form actions, live events, static files) and the public status page. */
export function uiRoutes(): UiRoute[] {
  return [
    ...staticRoutes(),
    ...loginRoutes(),
    ...overviewRoutes(),
    ...checksRoutes(),
    ...checkRoutes(),
    ...incidentRoutes(),
    ...executionRoutes(),
    ...incidentReviewRoutes(),
    ...tokenRoutes(),
    ...executionListRoutes(),
    ...executionPageRoutes(),
    ...oncallRoutes(),
    ...runbookRoutes(),
    ...maintenanceRoutes(),
    ...reportRoutes(),
    ...liveRoutes(),
    ...statusRoutes(),
    ...statusPublishRoutes(),
  ];
}

/** Cookies and form bodies for the UI (the API reads the session cookie too), then the UI's routes. */
export function registerUi(app: FastifyInstance, daemon: Daemon): void {
  void app.register(cookie);
  void app.register(formbody, { bodyLimit: 64 * 1024 });
  app.addHook('preClose', (done) => {
    closeLiveStreams(daemon);
    done();
  });
  registerUiRoutes(app, daemon, uiRoutes());
}

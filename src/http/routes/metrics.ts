import type { FastifyInstance } from 'fastify';
import type { Daemon } from '../../daemon/index.js';

/** Prometheus text format: process metrics plus opsbook's own. */
export function registerMetricsRoute(app: FastifyInstance, daemon: Daemon): void {
  app.get('/metrics', { config: { access: 'public' } }, async (_req, reply) => {
    const registry = daemon.metrics.registry;
    return reply.header('content-type', registry.contentType).send(await registry.metrics());
  });
}

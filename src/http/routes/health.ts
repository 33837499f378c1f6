import type { FastifyInstance } from 'fastify';
import type { Daemon } from '../../daemon/index.js';

/**
 * opsbook's own probes. Liveness does no I/O, so a slow store never gets a live process killed;
 * readiness checks the store, the migrations and the config, and answers 503 until all hold.
 */
export function registerHealthRoutes(app: FastifyInstance, daemon: Daemon): void {
  const live = JSON.stringify({ status: 'live' });
  app.get('/_health/live', { config: { access: 'public' } }, (_req, reply) => {
    void reply.header('content-type', 'application/json; charset=utf-8').header('cache-control', 'no-store').send(live);
  });

  app.get('/_health/ready', { config: { access: 'public' } }, async (_req, reply) => {
    const readiness = await daemon.readiness();
    return reply
      .status(readiness.status === 'ready' ? 200 : 503)
      .header('cache-control', 'no-store')
      .send(readiness);
  });
}

import { z } from 'zod';
import type { Daemon } from '../../daemon/index.js';
import { recordHeartbeat, windowStats } from '../../checks/index.js';
import { OpsbookError } from '../../lib/errors/index.js';
import { route, type RouteTable } from '../routes.js';

const DAY = 86_400_000;

/** Checks with their current state, one check's history from the rollups, and heartbeats. */
export function checkRoutes(daemon: Daemon): RouteTable {
  const summary = (c: Daemon['config']['checks'][number]) => {
    const state = daemon.operations?.checkState(c.id);
    return {
      id: c.id,
      name: c.name ?? c.id,
      kind: c.kind,
      service: c.service,
      interval_ms: c.interval,
      status: state?.probe.status ?? 'unknown',
      level: state?.probe.level ?? 'ok',
      last: state
        ? { at: state.result.at, status: state.result.status, level: state.result.level, latency_ms: state.result.latencyMs, value: state.result.value, error: state.result.error }
        : undefined,
    };
  };
  return [
    route({
      method: 'GET',
      url: '/api/checks',
      access: 'viewer',
      summary: 'Every configured check with its settled state and last result (from memory: no store read).',
      tags: ['checks'],
      handler: () => ({ checks: daemon.config.checks.map(summary) }),
    }),
    route({
      method: 'GET',
      url: '/api/checks/:id',
      access: 'viewer',
      summary: 'One check with uptime and latency percentiles over 24 h, 7 d and 30 d, from the rollups.',
      tags: ['checks'],
      params: z.object({ id: z.string() }),
      handler: async ({ params }) => {
        const check = daemon.config.checks.find((c) => c.id === params.id);
        if (!check) throw new OpsbookError('OPSBOOK_E_NOT_FOUND', `no check with id ${params.id}`, { location: { path: 'params.id' } });
        const now = daemon.clock.now();
        const windows: Record<string, unknown> = {};
        for (const [name, ms] of [['24h', DAY], ['7d', 7 * DAY], ['30d', 30 * DAY]] as const) {
          const s = await windowStats(daemon.store, check.id, now - ms, now);
          windows[name] = { count: s.count, failures: s.failures, uptime: s.uptime, latency_ms: s.latency };
        }
        return { ...summary(check), windows };
      },
    }),
    route({
      method: 'POST',
      url: '/api/heartbeats/:token',
      access: 'public',
      summary: 'A job reports it ran; the URL token is the secret (see `opsbook check list`). `?fail=1` reports a failed run.',
      tags: ['checks'],
      params: z.object({ token: z.string().min(16) }),
      query: z.object({ fail: z.enum(['0', '1', 'true', 'false']).optional() }),
      handler: async ({ params, query }) => {
        const failed = query.fail === '1' || query.fail === 'true';
        const checkId = await recordHeartbeat(daemon.store, params.token, daemon.clock.now(), failed);
        return { check: checkId, failed };
      },
    }),
  ];
}

import { z } from 'zod';
import type { Daemon } from '../../daemon/index.js';
import { checkThresholds, compileCheck, describeCheckTarget, heartbeatReader, recordHeartbeat, releaseCheckState, runCheckOnce, windowStatsOf } from '../../checks/index.js';
import type { CheckConfig } from '../../config/schema/checks.js';
import { OpsbookError } from '../../lib/errors/index.js';
import { route, type RouteTable } from '../routes.js';
import { TEAM_QUERY, teamFilter } from '../teams.js';

const DAY = 86_400_000;

const status = z.enum(['up', 'down', 'unknown']).describe('unknown: a timing verdict withheld because opsbook itself was overloaded');
const level = z.enum(['ok', 'warning', 'critical']);
const checkSummary = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.string(),
  service: z.string().optional(),
  interval_ms: z.number(),
  target: z.string().describe('What it probes (credentials masked)'),
  conditions: z.array(z.string()),
  warning: z.array(z.string()),
  critical: z.array(z.string()),
  status: z.enum(['up', 'down', 'unknown']),
  level,
  last: z.object({ at: z.number(), status, level, latency_ms: z.number(), value: z.number().optional(), error: z.string().optional() }).optional(),
});
const windowFigures = z.object({
  count: z.number().int(),
  failures: z.number().int(),
  warnings: z.number().int().describe('Runs at the warning level'),
  criticals: z.number().int().describe('Runs at the critical level (down runs included)'),
  uptime: z.number().optional().describe('Share of runs up; absent when nothing ran'),
  within_thresholds: z.number().optional().describe('Share of runs up and at neither the warning nor the critical level (what the UI shows for a check with warning/critical thresholds); absent when nothing ran'),
  latency_ms: z.record(z.string(), z.number().nullable().optional()).describe('p50, p95, p99'),
});
/** One run of a check, as `opsbook check run` prints it. */
export const checkResultSchema = z.object({
  checkId: z.string(),
  kind: z.string(),
  at: z.number(),
  status,
  level,
  latencyMs: z.number(),
  value: z.number().optional(),
  error: z.string().optional(),
  pending: z.string().optional(),
  loopDelayMs: z.number().optional().describe('On an unknown result: how late opsbook\'s event loop was during the run'),
  conditions: z.array(z.object({ list: z.enum(['conditions', 'warning', 'critical']), text: z.string(), ok: z.boolean(), actual: z.string() })),
});

/** Checks with their current state, one check's history from the rollups, and heartbeats. */
export function checkRoutes(daemon: Daemon): RouteTable {
  const find = (id: string) => {
    const check = daemon.config.checks.find((c) => c.id === id);
    if (!check) throw new OpsbookError('OPSBOOK_E_NOT_FOUND', `no check with id ${id}`, { location: { path: 'params.id' } });
    return check;
  };
  const summary = (c: Daemon['config']['checks'][number]) => {
    const state = daemon.operations?.checkState(c.id);
    return {
      id: c.id,
      name: c.name ?? c.id,
      kind: c.kind,
      service: c.service,
      interval_ms: c.interval,
      target: describeCheckTarget(c as CheckConfig),
      ...checkThresholds(c as CheckConfig),
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
      summary: 'Every configured check with its settled state and last result (from memory: no store read); the caller’s teams’ by default.',
      tags: ['checks'],
      query: z.object({ team: TEAM_QUERY }),
      response: z.object({ checks: z.array(checkSummary) }),
      handler: ({ query, actor }) => {
        const show = teamFilter(daemon, actor!, query.team);
        return { checks: daemon.config.checks.filter((c) => show(c.service)).map(summary) };
      },
    }),
    route({
      method: 'GET',
      url: '/api/checks/:id',
      access: 'viewer',
      summary: 'One check with uptime and latency percentiles over 24 h, 7 d and 30 d, from the rollups.',
      tags: ['checks'],
      params: z.object({ id: z.string() }),
      response: checkSummary.extend({ windows: z.object({ '24h': windowFigures, '7d': windowFigures, '30d': windowFigures }) }),
      handler: async ({ params }) => {
        const check = find(params.id);
        const now = daemon.clock.now();
        const windows: Record<string, z.infer<typeof windowFigures>> = {};
        const asked = [['24h', DAY], ['7d', 7 * DAY], ['30d', 30 * DAY]] as const;
        const stats = await windowStatsOf(daemon.store, asked.map(([, ms]) => ({ checkId: check.id, from: now - ms, to: now })));
        for (const [i, [name]] of asked.entries()) {
          const s = stats[i]!;
          windows[name] = { count: s.count, failures: s.failures, warnings: s.warnings, criticals: s.criticals, uptime: s.uptime, within_thresholds: s.withinThresholds, latency_ms: s.latency };
        }
        return { ...summary(check), windows: windows as Record<'24h' | '7d' | '30d', z.infer<typeof windowFigures>> };
      },
    }),
    route({
      method: 'POST',
      url: '/api/checks/:id/run',
      access: 'responder',
      summary: 'Run one check once from the daemon, now; the answer has every condition with its actual value. The result is not recorded.',
      tags: ['checks'],
      params: z.object({ id: z.string() }),
      response: checkResultSchema,
      handler: async ({ params }) => {
        const compiled = compileCheck(find(params.id) as CheckConfig);
        const state: Record<string, unknown> = {};
        const options = { clock: daemon.clock, state, heartbeats: heartbeatReader(daemon.store) };
        try {
          let result = await runCheckOnce(compiled, options);
          // A counter rate needs two scrapes: take the second one second later.
          if (result.pending) {
            await new Promise((r) => setTimeout(r, 1000));
            result = await runCheckOnce(compiled, options);
          }
          return result;
        } finally {
          releaseCheckState(compiled, state);
        }
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
      response: z.object({ check: z.string(), failed: z.boolean() }),
      handler: async ({ params, query }) => {
        const failed = query.fail === '1' || query.fail === 'true';
        const checkId = await recordHeartbeat(daemon.store, params.token, daemon.clock.now(), failed);
        return { check: checkId, failed };
      },
    }),
  ];
}

import { z } from 'zod';
import type { Daemon } from '../../daemon/index.js';
import { buildReport, slosNow } from '../../slos/index.js';
import { route, type RouteTable } from '../routes.js';

const events = z.object({ good: z.number(), total: z.number() });
const budget = z.object({ allowedBad: z.number(), bad: z.number(), remaining: z.number().describe('1 untouched, 0 spent, below 0 overspent') });
const sloStatusSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['availability', 'latency', 'error_ratio']),
  objective: z.number(),
  from: z.number(),
  to: z.number(),
  events,
  attainment: z.number().optional().describe('Absent when nothing was measured'),
  met: z.boolean().optional(),
  budget,
  burn: z.array(z.object({ urgency: z.enum(['page', 'ticket']), longMs: z.number(), shortMs: z.number(), threshold: z.number(), long: z.number(), short: z.number(), holds: z.boolean() })),
});
const recoveryPoint = z.object({
  id: z.string(),
  name: z.string(),
  check: z.string(),
  targetMs: z.number(),
  achievedMs: z.number().nullable(),
  met: z.boolean(),
  checkedAt: z.number().nullable(),
});
const ms = z.number().nullable();
/** The operations report as JSON; `opsbook report` renders markdown and HTML from it. */
const reportSchema = z.object({
  period: z.object({ name: z.enum(['7d', '30d', 'month']), from: z.number(), to: z.number() }),
  generatedAt: z.number(),
  slos: z.array(
    z.object({ id: z.string(), name: z.string(), kind: z.string(), objective: z.number(), events, attainment: z.number().optional(), met: z.boolean().optional(), budget, burndown: z.array(z.object({ at: z.number(), remaining: z.number() })), current: sloStatusSchema }),
  ),
  incidents: z.object({
    total: z.number().int(),
    bySeverity: z.array(
      z.object({ severity: z.string(), name: z.string(), responseTargetMs: ms, incidents: z.number(), acknowledged: z.number(), acknowledgedInTarget: z.number(), missedTarget: z.number(), resolved: z.number(), ackP50Ms: ms, ackP90Ms: ms, resolveP50Ms: ms, resolveP90Ms: ms, mttaMs: ms, mttrMs: ms }),
    ),
    byService: z.array(z.object({ service: z.string(), incidents: z.number(), acknowledged: z.number(), unacknowledged: z.number(), resolved: z.number(), mttaMs: ms, mttrMs: ms })),
  }),
  noisiestRules: z.array(z.object({ ruleId: z.string(), alerts: z.number(), incidents: z.number() })).describe('The 10 rules with the most alerts, most first.'),
  rulesAlerting: z.number().describe('How many rules alerted in the period (noisiestRules lists at most 10).'),
  failingChecks: z
    .array(
      z.object({
        checkId: z.string(),
        failures: z.number().describe('Down runs, plus the critical runs that were up of a check judged by thresholds.'),
        down: z.number(),
        critical: z.number().describe('Runs that were up at the critical level.'),
        results: z.number(),
        uptime: z.number().nullable(),
        withinThresholds: z.number().nullable(),
        thresholds: z.boolean().describe('Whether the check is judged by warning/critical thresholds.'),
      }),
    )
    .describe('The 10 checks with the most failures (down runs, and critical runs of checks judged by thresholds), most first.'),
  checksFailing: z.number().describe('How many checks failed in the period (failingChecks lists at most 10).'),
  pagesPerPerson: z.array(z.object({ user: z.string(), pages: z.number(), incidents: z.number(), offHours: z.number() })),
  businessHours: z.string(),
  maintenance: z.object({ totalMs: z.number(), windows: z.array(z.object({ id: z.string(), ms: z.number(), occurrences: z.number(), services: z.array(z.string()) })) }),
  recoveryPoints: z.array(recoveryPoint.extend({ history: z.array(z.object({ day: z.number(), worstMs: ms, met: z.boolean().nullable() })) })),
  recoveryTimes: z.array(
    z.object({
      procedure: z.string(),
      targetRtoMs: z.number(),
      targetRpoMs: z.number(),
      runs: z.number(),
      met: z.number(),
      latest: z.object({ executionId: z.string(), startedAt: z.number(), achievedRtoMs: ms, met: z.boolean() }).nullable(),
      history: z.array(z.object({ startedAt: z.number(), achievedRtoMs: ms, met: z.boolean() })),
    }),
  ),
});

/** SLOs where they stand now, and the operations report over a period. */
export function sloRoutes(daemon: Daemon): RouteTable {
  return [
    route({
      method: 'GET',
      url: '/api/slos',
      access: 'viewer',
      summary: 'Each SLO over its own window (attainment, error budget, burn rate per alert window) and each recovery point now.',
      tags: ['slos'],
      response: z.object({ slos: z.array(sloStatusSchema), recoveryPoints: z.array(recoveryPoint) }),
      handler: () => slosNow(daemon.store, daemon.config, daemon.clock.now()),
    }),
    route({
      method: 'GET',
      url: '/api/report',
      access: 'viewer',
      summary: 'The operations report over the last 7d, the last 30d, or this calendar month (UTC) so far, ending at `at` (ISO 8601) or now.',
      tags: ['slos'],
      query: z.object({
        period: z.enum(['7d', '30d', 'month']).default('7d'),
        at: z.iso.datetime({ offset: true }).optional(),
      }),
      response: reportSchema,
      handler: ({ query }) => buildReport(daemon.store, daemon.config, query.period, query.at ? Date.parse(query.at) : daemon.clock.now()),
    }),
  ];
}

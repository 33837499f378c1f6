import { z } from 'zod';
import type { Daemon } from '../../daemon/index.js';
import { route, type RouteTable } from '../routes.js';
import { operationsOf } from './operations.js';

/** Services from the config (with their checks) and the alert series the rules hold right now. */
export function alertRoutes(daemon: Daemon): RouteTable {
  return [
    route({
      method: 'GET',
      url: '/api/services',
      access: 'viewer',
      summary: 'Configured services with the ids of their checks.',
      tags: ['services'],
      response: z.object({ services: z.array(z.object({ id: z.string(), name: z.string(), description: z.string().optional(), checks: z.array(z.string()) })) }),
      handler: () => ({
        services: daemon.config.services.map((s) => ({
          id: s.id,
          name: s.name ?? s.id,
          ...(s.description ? { description: s.description } : {}),
          checks: daemon.config.checks.filter((c) => c.service === s.id).map((c) => c.id),
        })),
      }),
    }),
    route({
      method: 'GET',
      url: '/api/alerts',
      access: 'viewer',
      summary: 'Current alert series (pending, firing, and inactive ones the rules still track), from memory.',
      tags: ['alerts'],
      response: z.object({
        alerts: z.array(
          z.object({
            series: z.string(),
            rule: z.string(),
            labels: z.record(z.string(), z.string()),
            state: z.enum(['inactive', 'pending', 'firing', 'resolved']),
            active_since: z.number().nullable(),
            firing_since: z.number().nullable(),
            keep_firing_until: z.number().nullable(),
            last_value: z.number().nullable(),
          }),
        ),
      }),
      handler: () => ({
        alerts: operationsOf(daemon)
          .alerts.states()
          .map((s) => ({
            series: s.seriesKey,
            rule: s.ruleId,
            labels: s.labels,
            state: s.state,
            active_since: s.activeSince,
            firing_since: s.firingSince,
            keep_firing_until: s.keepFiringUntil,
            last_value: s.lastValue,
          })),
      }),
    }),
  ];
}

import { z } from 'zod';

/**
 * Sections reserved for later domains (rules, severities, escalation policies, schedules, channels,
 * maintenance, SLOs). Each is a list of objects with an `id` until its domain defines it.
 */
export const reservedList = z.array(z.object({ id: z.string() }).catchall(z.unknown())).default([]);

import { z } from 'zod';
import { id } from './common.js';

/**
 * Sections reserved for later domains (rules, severities, channels, maintenance, SLOs). Each is a
 * list of objects with an `id` until its domain defines it; other keys pass through unchecked.
 */
export const reservedList = z
  .array(z.object({ id: id().describe('Id of the entry.') }).catchall(z.unknown()))
  .default([]);

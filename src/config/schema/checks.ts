import { z } from 'zod';

/**
 * `checks:` — owned by the checks domain's config. Placeholder until the check kinds land:
 * a list of objects with an `id` and a `kind`.
 */
export const checksSection = z
  .array(z.object({ id: z.string(), kind: z.string() }).catchall(z.unknown()))
  .default([]);

import { z } from 'zod';
import { opsConfigSchema } from './schema/index.js';

/** JSON Schema (draft 2020-12) of what people write in ops.yaml, for editors and CI. */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(opsConfigSchema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' });
  return { ...schema, title: 'opsbook ops.yaml' };
}

import { z } from 'zod';
import { formatDuration } from '../lib/duration.js';
import { durationInfo } from './schema/common.js';
import { opsConfigSchema } from './schema/index.js';
import { RESTART_ONLY } from './schema/restart-only.js';

/**
 * The config reference: one row per key path (`server.port`, `checks[].interval`,
 * `checks[kind=http].url`), read from the schema itself so the docs/configuration.md table cannot drift from it.
 */
export interface ReferenceRow {
  key: string;
  type: string;
  /** `required`, `—` (optional, no default) or the default as written in YAML. */
  default: string;
  description: string;
}

type Schema = z.core.$ZodType;
interface Def {
  type: string;
  [k: string]: unknown;
}

const defOf = (s: Schema): Def => s._zod.def as unknown as Def;

interface Wrapped {
  base: Schema;
  description?: string;
  default?: unknown;
  hasDefault: boolean;
  optional: boolean;
  duration?: { min?: number; max?: number };
}

/** Peels optional/default/pipe wrappers, keeping the outermost description and the default. */
function unwrap(schema: Schema): Wrapped {
  const out: Wrapped = { base: schema, hasDefault: false, optional: false };
  let s = schema;
  for (let depth = 0; depth < 20; depth++) {
    const meta = z.globalRegistry.get(s);
    if (out.description === undefined && meta?.description) out.description = meta.description;
    const dur = durationInfo(s);
    if (dur && !out.duration) out.duration = dur;
    const def = defOf(s);
    if (def.type === 'optional' || def.type === 'nullable' || def.type === 'readonly' || def.type === 'catch' || def.type === 'nonoptional') {
      if (def.type === 'optional') out.optional = true;
      s = def.innerType as Schema;
    } else if (def.type === 'default' || def.type === 'prefault') {
      if (!out.hasDefault) {
        out.hasDefault = true;
        out.default = def.defaultValue;
      }
      s = def.innerType as Schema;
    } else if (def.type === 'pipe') {
      // Input side: what people write. A preprocess pipe starts with a transform; read its output.
      const input = def.in as Schema;
      s = defOf(input).type === 'transform' ? (def.out as Schema) : input;
    } else break;
  }
  out.base = s;
  return out;
}

export function configReference(schema: Schema = opsConfigSchema): ReferenceRow[] {
  const rows: ReferenceRow[] = [];
  walkChildren(schema, '', rows);
  for (const r of rows) if (Object.hasOwn(RESTART_ONLY, r.key)) r.description = `${r.description} ${RESTART_NOTE}`.trim();
  return rows;
}

/** Said of each restart-only key (schema/restart-only.ts) in the reference. */
export const RESTART_NOTE = 'Takes effect on restart: a reload keeps the running value and names this key in its warning.';

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** Rows for the keys beneath `schema` (an object, list, map or union), prefixed by `path`. */
function walkChildren(schema: Schema, path: string, rows: ReferenceRow[], skipKey?: string): void {
  const { base } = unwrap(schema);
  const def = defOf(base);
  if (def.type === 'object') {
    for (const [key, child] of Object.entries(def.shape as Record<string, Schema>)) {
      if (key === skipKey) continue;
      walkField(child, join(path, key), rows);
    }
  } else if (def.type === 'array') {
    walkChildren(def.element as Schema, `${path}[]`, rows);
  } else if (def.type === 'record') {
    const keyMeta = z.globalRegistry.get(def.keyType as Schema);
    walkField(def.valueType as Schema, join(path, `<${keyMeta?.title ?? 'name'}>`), rows, '—');
  } else if (def.type === 'union') {
    const discriminator = def.discriminator as string | undefined;
    for (const option of def.options as Schema[]) {
      if (!discriminator) {
        walkChildren(option, path, rows);
        continue;
      }
      const value = discriminatorValue(option, discriminator);
      const prefix = path.endsWith('[]') ? `${path.slice(0, -2)}[${discriminator}=${value}]` : `${path}[${discriminator}=${value}]`;
      walkChildren(option, prefix, rows, discriminator);
    }
  }
}

function walkField(schema: Schema, path: string, rows: ReferenceRow[], defaultOverride?: string): void {
  const w = unwrap(schema);
  const def = defOf(w.base);
  rows.push({
    key: path,
    type: typeName(w),
    default: defaultOverride ?? defaultText(w),
    description: w.description ?? '',
  });
  if (def.type === 'union' && def.discriminator) {
    rows[rows.length - 1]!.type = `one of: ${(def.options as Schema[]).map((o) => discriminatorValue(o, def.discriminator as string)).join(', ')}`;
  }
  walkChildren(w.base, path, rows);
  // A list of a discriminated union: say which kinds exist on the list's own `[].kind` row.
  const element = def.type === 'array' ? unwrap(def.element as Schema).base : undefined;
  const elementDef = element ? defOf(element) : undefined;
  if (elementDef?.type === 'union' && typeof elementDef.discriminator === 'string') {
    const kinds = (elementDef.options as Schema[]).map((o) => discriminatorValue(o, elementDef.discriminator as string));
    const at = rows.findIndex((r) => r.key === path) + 1;
    rows.splice(at, 0, {
      key: `${path}[].${elementDef.discriminator}`,
      type: `one of: ${kinds.join(', ')}`,
      default: 'required',
      description: `Which kind of entry; the keys below depend on it.`,
    });
  }
}

function discriminatorValue(option: Schema, discriminator: string): string {
  const shape = defOf(unwrap(option).base).shape as Record<string, Schema> | undefined;
  const field = shape?.[discriminator];
  const values = field ? (defOf(unwrap(field).base).values as unknown[] | undefined) : undefined;
  return values?.map(String).join('|') ?? '?';
}

function typeName(w: Wrapped): string {
  if (w.duration) {
    const { min, max } = w.duration;
    const range = [min !== undefined ? `≥ ${formatDuration(min)}` : '', max !== undefined ? `≤ ${formatDuration(max)}` : ''].filter(Boolean);
    return range.length ? `duration (${range.join(', ')})` : 'duration';
  }
  const def = defOf(w.base);
  switch (def.type) {
    case 'string':
      return typeof def.format === 'string' && def.format !== 'regex' ? `text (${def.format})` : 'text';
    case 'number':
      return numberType(def);
    case 'boolean':
      return 'boolean';
    case 'enum':
      return `one of: ${Object.values(def.entries as Record<string, unknown>).join(', ')}`;
    case 'literal':
      return (def.values as unknown[]).map((v) => JSON.stringify(v)).join(' | ');
    case 'object':
      return 'mapping';
    case 'record':
      return 'map';
    case 'array': {
      const element = unwrap(def.element as Schema);
      const inner = typeName(element);
      return inner === 'mapping' || inner.startsWith('one of') && defOf(element.base).type === 'union' ? 'list' : `list of ${inner}`;
    }
    case 'union':
      return [...new Set((def.options as Schema[]).map((o) => typeName(unwrap(o))))].join(' or ');
    default:
      return 'any';
  }
}

/** `integer 0–65535`, read from the number's checks. */
function numberType(def: Def): string {
  let kind = typeof def.format === 'string' && def.format.includes('int') ? 'integer' : 'number';
  let lo: number | undefined;
  let hi: number | undefined;
  for (const check of (def.checks as Schema[] | undefined) ?? []) {
    const c = check._zod.def as unknown as { check: string; format?: string; value?: number };
    if (c.check === 'number_format' && c.format?.includes('int')) kind = 'integer';
    if (c.check === 'greater_than') lo = c.value;
    if (c.check === 'less_than') hi = c.value;
  }
  if (lo !== undefined && hi !== undefined) return `${kind} ${lo}–${hi}`;
  if (lo !== undefined) return `${kind} ≥ ${lo}`;
  if (hi !== undefined) return `${kind} ≤ ${hi}`;
  return kind;
}

function defaultText(w: Wrapped): string {
  if (!w.hasDefault) return w.optional ? '—' : 'required';
  const v = w.default;
  if (w.duration && typeof v === 'number') return formatDuration(v);
  if (typeof v === 'string') return v;
  if (isEmpty(v)) return Array.isArray(v) ? '[]' : '{}';
  return JSON.stringify(v);
}

function isEmpty(v: unknown): boolean {
  return (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && v !== null && Object.keys(v).length === 0);
}

/** The reference as a markdown table. */
export function configReferenceMarkdown(rows: readonly ReferenceRow[] = configReference()): string {
  const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const code = (s: string): string => (s === '—' || s === 'required' ? s : `\`${s}\``);
  const lines = ['| Key | Type | Default | Description |', '|---|---|---|---|'];
  for (const r of rows) lines.push(`| \`${cell(r.key)}\` | ${cell(r.type)} | ${cell(code(r.default))} | ${cell(r.description)} |`);
  return lines.join('\n');
}

import fs from 'node:fs';
import { dirname, join } from 'node:path';
import type { z } from 'zod';
import { formatLocation, type ErrorCode } from '../lib/errors/index.js';
import { ISSUE_CODE_PARAM } from './schema/common.js';
import { formatPath } from './paths.js';
import { editDistance } from '../lib/suggest.js';

/** One problem with the config, located by config path and, when known, file:line. */
export interface ConfigIssue {
  code: ErrorCode;
  message: string;
  /** Path into the merged config, e.g. `checks[3].interval`; empty for whole-file problems. */
  path: string;
  file?: string;
  line?: number;
  /** For an unset `${VAR}` (OPSBOOK_E_CONFIG_ENV_MISSING): the variable's name. */
  variable?: string;
}

/** `✖ interval must be at least 1s → checks[3].interval (ops.yaml:41)` */
export function formatIssue(issue: ConfigIssue): string {
  return `✖ ${issue.message}${formatLocation({ path: issue.path || undefined, file: issue.file, line: issue.line })}`;
}

/** The error text of a config that cannot be used: each problem on its line, then the unset-variables hint. */
export function describeConfigProblems(path: string, issues: readonly ConfigIssue[]): string {
  const hint = unsetVariablesHint(issues, path);
  return `config ${path} has ${issues.length} problem(s):\n${issues.map(formatIssue).join('\n')}${hint ? `\n${hint}` : ''}`;
}

/**
 * One line for after the problems when some are unset `${VAR}`s: which variables (each once, though a
 * config may read one in many places) and the ways to give them; a system directory with a
 * `gameday.yaml` is a game-day world, whose runner sets them.
 */
export function unsetVariablesHint(issues: readonly Pick<ConfigIssue, 'code' | 'variable'>[], path: string): string | undefined {
  const names = [...new Set(issues.flatMap((i) => (i.code === 'OPSBOOK_E_CONFIG_ENV_MISSING' && i.variable !== undefined ? [i.variable] : [])))];
  if (names.length === 0) return undefined;
  const shown = names.length > 4 ? `${names.slice(0, 4).join(', ')}, … (${names.length} in all)` : names.join(', ');
  const dir = fs.existsSync(path) && fs.statSync(path).isDirectory() ? path : dirname(path);
  const world = fs.existsSync(join(dir, 'gameday.yaml')) ? `; \`opsbook gameday ${dir}\` runs this system in a world that sets them` : '';
  return `Not set: ${shown}. Export them, or give a default in the config with \${VAR:-default}${world}.`;
}

/** The word a message starts with: the field's key (`interval`, `aliases[2]`), or `config` at the top. */
export function fieldName(segments: readonly PropertyKey[]): string {
  const last = segments.at(-1);
  if (last === undefined) return 'config';
  if (typeof last === 'number') {
    const prev = segments.at(-2);
    return prev === undefined ? `entry ${last}` : `${String(prev)}[${last}]`;
  }
  return String(last);
}

/** Turns zod's issues into config issues (not yet located). One issue per unknown key. */
export function fromZodIssues(issues: readonly z.core.$ZodIssue[]): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const iss of issues) {
    if (iss.code === 'unrecognized_keys') {
      const lines = iss.message.split('\n');
      iss.keys.forEach((key, i) => {
        out.push({
          code: 'OPSBOOK_E_CONFIG_UNKNOWN_KEY',
          message: lines.length === iss.keys.length ? lines[i]! : `unknown key "${key}"`,
          path: formatPath([...iss.path, key]),
        });
      });
      continue;
    }
    if (iss.code === 'invalid_key') {
      // A record key is wrong: point at the key itself.
      const inner = iss.issues[0]?.message ?? 'is not allowed';
      out.push({ code: 'OPSBOOK_E_CONFIG_INVALID', message: `key "${String(iss.path.at(-1))}" ${inner}`, path: formatPath(iss.path) });
      continue;
    }
    const code = (iss.code === 'custom' && (iss.params?.[ISSUE_CODE_PARAM] as ErrorCode | undefined)) || 'OPSBOOK_E_CONFIG_INVALID';
    out.push({ code, message: `${fieldName(iss.path)} ${iss.message}`, path: formatPath(iss.path) });
  }
  return out;
}

/**
 * Error map for parsing config: short messages that read after the field name
 * (`interval` + `must be at least 1s`). Schema-level messages take precedence over these.
 */
export const configErrorMap: z.core.$ZodErrorMap = (iss) => {
  switch (iss.code) {
    case 'invalid_type':
      if (iss.input === undefined) return 'is required';
      return `must be ${typeWord(iss.expected)} (got ${describe(iss.input)})`;
    case 'unrecognized_keys': {
      const known = Object.keys((iss.inst?._zod.def as { shape?: object } | undefined)?.shape ?? {});
      return iss.keys.map((k) => `unknown key "${k}"${suggest(k, known)}`).join('\n');
    }
    case 'too_small':
      return bound('at least', 'more than', iss.origin, iss.minimum, iss.inclusive);
    case 'too_big':
      return bound('at most', 'less than', iss.origin, iss.maximum, iss.inclusive);
    case 'invalid_value':
      return iss.values.length === 1
        ? `must be ${JSON.stringify(iss.values[0])} (got ${describe(iss.input)})`
        : `must be one of ${iss.values.map(String).join(', ')} (got ${describe(iss.input)})`;
    case 'invalid_format':
      return iss.format === 'regex' ? `must match ${iss.pattern ?? 'its pattern'}` : `must be a valid ${iss.format}`;
    case 'invalid_union': {
      const u = iss as typeof iss & { discriminator?: string; options?: unknown[] };
      if (u.discriminator && u.options) {
        const got = isRecord(iss.input) ? iss.input[u.discriminator] : undefined;
        return got === undefined
          ? `is required (one of ${u.options.map(String).join(', ')})`
          : `must be one of ${u.options.map(String).join(', ')} (got ${describe(got)})`;
      }
      // Each form's own complaint about the value itself (a word or a duration, say), when each has one.
      const forms = ((iss as typeof iss & { errors?: { path: PropertyKey[]; message: string }[][] }).errors ?? []).map((list) =>
        list.length === 1 && list[0]!.path.length === 0 ? list[0]!.message : undefined,
      );
      if (forms.length > 1 && forms.every((m) => m !== undefined)) return [...new Set(forms)].join(', or ');
      return 'does not match any allowed form';
    }
    case 'not_multiple_of':
      return `must be a multiple of ${String(iss.divisor)}`;
    default:
      return undefined;
  }
};

function bound(incl: string, excl: string, origin: string, limit: number | bigint, inclusive?: boolean): string {
  const rel = inclusive === false ? excl : incl;
  if (origin === 'string') return Number(limit) === 1 && rel === 'at least' ? 'must not be empty' : `must be ${rel} ${limit} characters`;
  if (origin === 'array' || origin === 'set') return `must have ${rel} ${limit} entries`;
  return `must be ${rel} ${limit}`;
}

function typeWord(expected: string): string {
  switch (expected) {
    case 'object':
      return 'a mapping';
    case 'array':
      return 'a list';
    case 'string':
      return 'text';
    case 'int':
      return 'a whole number';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'true or false';
    default:
      return `a ${expected}`;
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return String(v);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function suggest(key: string, known: string[]): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  if (best !== undefined && bestDistance <= Math.max(1, Math.floor(best.length / 3))) return ` (did you mean "${best}"?)`;
  return known.length > 0 && known.length <= 12 ? ` (expected one of ${known.join(', ')})` : '';
}

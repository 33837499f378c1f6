import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument, type Node } from 'yaml';
import { z } from 'zod';
import { parseDuration } from '../lib/duration.js';
import { OpsbookError } from '../lib/errors/index.js';
import { formatPath } from '../config/index.js';
import { describeYamlError } from '../lib/yaml-errors.js';

export type PathSegment = string | number;

/** An offset from the test's start, written as a duration (`0`, `90s`, `15m`, `1h30m`). */
const offset = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const ms = typeof v === 'number' ? (v === 0 ? 0 : undefined) : parseDuration(v);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not a duration (write 0, 30s, 15m, 1h30m)` });
    return z.NEVER;
  }
  return ms;
});
const positive = offset.refine((ms) => ms > 0, 'must be longer than 0');

const instant = z.string().refine((s) => /(Z|[+-]\d\d:?\d\d)$/i.test(s) && Number.isFinite(Date.parse(s)), {
  message: 'must be an instant with its offset, e.g. 2026-03-03T10:00:00Z',
});

const series = z.strictObject({
  check: z.string().min(1).describe('Check id whose results these are.'),
  values: z.string().describe('Steps: ok, warning, critical, down, _, numbers; WORDxN, a+bxn.'),
  latency: z.string().optional().describe('Latency in ms per step, same notation (numbers or _).'),
  interval: positive.optional().describe("Time between steps; default the check's own interval."),
  from: offset.default(0).describe('Offset of the first step.'),
});

const alertEvent = z.strictObject({
  rule: z.string().min(1).default('events:test'),
  status: z.enum(['firing', 'resolved']).default('firing'),
  severity: z.string().min(1).default('P1'),
  labels: z.record(z.string(), z.string()).default({}),
  summary: z.string().optional(),
});

const event = z.strictObject({ at: offset, alert: alertEvent });

export const INCIDENT_ACTIONS = ['acknowledge', 'investigate', 'mitigate', 'resolve', 'review'] as const;
export type IncidentAction = (typeof INCIDENT_ACTIONS)[number];

const action = z
  .strictObject({
    at: offset,
    as: z.string().min(1).describe('The user who acts (from users:).'),
    note: z.string().optional(),
    ...Object.fromEntries(INCIDENT_ACTIONS.map((a) => [a, z.union([z.string().min(1), z.number().int().positive()]).optional()])),
  })
  .transform((a, ctx) => {
    const named = INCIDENT_ACTIONS.filter((k) => (a as Record<string, unknown>)[k] !== undefined);
    if (named.length !== 1) {
      ctx.addIssue({ code: 'custom', message: `name exactly one of ${INCIDENT_ACTIONS.join(', ')} (with the incident: "#1", "latest" or a rule id)` });
      return z.NEVER;
    }
    const verb = named[0]!;
    const ref = (a as Record<string, unknown>)[verb] as string | number;
    return { at: a.at, as: a.as, note: a.note, action: verb, incident: typeof ref === 'number' ? `#${ref}` : ref };
  });

const labelsSubset = z.record(z.string(), z.string()).optional();

const alertExpect = z.strictObject({
  at: offset,
  none: z.literal(true).optional(),
  rule: z.string().min(1).optional(),
  state: z.enum(['pending', 'firing', 'resolved']).default('firing'),
  severity: z.string().optional(),
  labels: labelsSubset,
});

const incidentExpect = z.strictObject({
  at: offset,
  none: z.literal(true).optional(),
  severity: z.string().optional(),
  state: z.enum(['triggered', 'acknowledged', 'investigating', 'mitigated', 'resolved', 'reviewed']).optional(),
  title: z.string().optional(),
  title_contains: z.string().optional(),
  service: z.string().optional(),
  held_by: z.string().optional().describe('Id of the maintenance window or silence holding its notification.'),
});

const notificationExpect = z.strictObject({
  at: offset,
  channel: z.string().optional(),
  user: z.string().optional(),
  event: z
    .string()
    .transform((e) => (e.startsWith('incident.') ? e : `incident.${e}`))
    .optional(),
  step: z.number().int().positive().optional().describe('Escalation step, 1-based.'),
});

const testCase = z.strictObject({
  name: z.string().min(1),
  start: instant.optional(),
  duration: offset.optional().describe('How long to simulate; default the last instant the test names.'),
  inputs: z
    .strictObject({
      series: z.array(series).default([]),
      events: z.array(event).default([]),
      actions: z.array(action).default([]),
    })
    .default({ series: [], events: [], actions: [] }),
  expect: z
    .strictObject({
      alerts: z.array(alertExpect).optional(),
      incidents: z.array(incidentExpect).optional(),
      notifications: z.array(notificationExpect).optional(),
      none_after: offset.optional().describe('No notification is enqueued after this offset.'),
    })
    .default({}),
});

export const testFileSchema = z.strictObject({
  config: z.string().min(1).describe('The ops.yaml (file or directory) under test, relative to this file.'),
  start: instant.default('2026-01-05T09:00:00Z'),
  tests: z.array(testCase).min(1),
});

export type TestFileData = z.output<typeof testFileSchema>;
export type TestCase = TestFileData['tests'][number];
export type SeriesInput = TestCase['inputs']['series'][number];
export type AlertExpectation = NonNullable<TestCase['expect']['alerts']>[number];
export type IncidentExpectation = NonNullable<TestCase['expect']['incidents']>[number];
export type NotificationExpectation = NonNullable<TestCase['expect']['notifications']>[number];

export interface TestFile {
  /** The path as given. */
  file: string;
  data: TestFileData;
  /** Absolute path of the config under test. */
  configPath: string;
  /** Line of a path in the file (its nearest written ancestor when the path itself is not written). */
  lineOf(path: PathSegment[]): number | undefined;
}

/** Reads and validates a test file; bad input throws OPSBOOK_E_TEST_FILE_INVALID at file:line. */
export async function readTestFile(file: string): Promise<TestFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new OpsbookError('OPSBOOK_E_TEST_FILE_INVALID', `cannot read test file: ${(e as Error).message}`, { location: { file } });
  }
  return parseTestFile(text, file);
}

export function parseTestFile(text: string, file: string): TestFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const firstError = doc.errors[0];
  if (firstError) {
    const line = lineCounter.linePos(firstError.pos[0]).line;
    throw new OpsbookError('OPSBOOK_E_TEST_FILE_INVALID', `not valid YAML: ${describeYamlError(firstError)}`, { location: { file, line } });
  }
  const lineOf = (path: PathSegment[]): number | undefined => {
    // A path that is not written (a missing key) is located at its nearest written ancestor.
    for (let n = path.length; n >= 0; n--) {
      const node = (n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true)) as Node | null | undefined;
      if (node?.range) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  };
  const parsed = testFileSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.filter((s): s is string | number => typeof s !== 'symbol');
    // An unknown key is located at the key itself, not at the mapping holding it.
    if (issue.code === 'unrecognized_keys' && issue.keys[0] !== undefined) path.push(issue.keys[0]);
    throw invalid(file, lineOf(path), path, issue.message, parsed.error.issues.length);
  }
  return { file, data: parsed.data, configPath: resolve(dirname(file), parsed.data.config), lineOf };
}

/** A located problem with a test file; `more` says how many others zod found behind it. */
export function invalid(file: string, line: number | undefined, path: PathSegment[], message: string, total = 1): OpsbookError {
  const more = total > 1 ? ` (and ${total - 1} more problem${total > 2 ? 's' : ''})` : '';
  return new OpsbookError('OPSBOOK_E_TEST_FILE_INVALID', `${message}${more}`, {
    location: { file, ...(line !== undefined ? { line } : {}), ...(path.length > 0 ? { path: formatPath(path) } : {}) },
  });
}

import { ERROR_CATALOGUE, type ErrorSpec } from '../lib/errors/index.js';
import { configReferenceMarkdown } from './reference.js';

/**
 * The README regions generated from code: the config reference (from the schema) and the error
 * codes (from the catalogue). `npm run docs` writes them; test/docs-sync.test.ts fails when the
 * README and the code disagree.
 */

export function configReferenceRegion(): string {
  return [
    '## Configuration reference',
    '',
    'Every key of `ops.yaml` (or of a directory of YAML files, merged in name order), generated from the schema.',
    '`[]` marks a list entry, `<name>` a key you choose, `[kind=http]` the keys of one kind. Durations are written',
    '`500ms`, `10s`, `5m`, `1h30m`, `720h`, `30d`, `2w`. `${VAR}` in a value expands from the environment (`$${` writes',
    'a literal `${`), except in fields holding shell or SQL text. `opsbook schema` prints the same as JSON Schema.',
    '',
    configReferenceMarkdown(),
  ].join('\n');
}

export function errorCodesRegion(): string {
  const lines = [
    '## Error codes',
    '',
    'Every error opsbook reports carries one of these stable codes.',
    '',
    '| Code | Kind | Meaning |',
    '|---|---|---|',
  ];
  for (const [code, spec] of Object.entries(ERROR_CATALOGUE) as Array<[string, ErrorSpec]>) {
    const summary = spec.summary.replace(/\|/g, '\\|');
    lines.push(`| \`${code}\` | ${spec.kind} | ${spec.retired ? `(retired) ${summary}` : summary} |`);
  }
  return lines.join('\n');
}

/** The regions this module owns, by marker name. */
export const GENERATED_REGIONS: Record<string, () => string> = {
  'config-reference': configReferenceRegion,
  'error-codes': errorCodesRegion,
};

/** Text between `<!-- NAME:start -->` and `<!-- NAME:end -->`, trimmed; undefined when the markers are missing. */
export function readRegion(readme: string, name: string): string | undefined {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const a = readme.indexOf(start);
  const b = readme.indexOf(end, a + start.length);
  if (a === -1 || b === -1) return undefined;
  return readme.slice(a + start.length, b).trim();
}

export function replaceRegion(readme: string, name: string, content: string): string {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const a = readme.indexOf(start);
  const b = readme.indexOf(end, a + start.length);
  if (a === -1 || b === -1) throw new Error(`README has no ${start} … ${end} markers`);
  return `${readme.slice(0, a + start.length)}\n${content}\n${readme.slice(b)}`;
}

/** The README with every generated region brought up to date. */
export function renderReadme(readme: string): string {
  let out = readme;
  for (const [name, render] of Object.entries(GENERATED_REGIONS)) out = replaceRegion(out, name, render());
  return out;
}

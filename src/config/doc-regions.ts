import { ERROR_CATALOGUE, type ErrorSpec } from '../lib/errors/index.js';
import { configReferenceMarkdown } from './reference.js';

/**
 * The documentation regions generated from code: the config reference (from the schema, in
 * docs/configuration.md) and the error codes (from the catalogue, in docs/errors.md). `npm run docs`
 * writes them; test/docs-sync.test.ts fails when the docs and the code disagree.
 */

export function configReferenceRegion(): string {
  return [
    '## Configuration reference',
    '',
    'Every key of `ops.yaml` (or of a directory of YAML files, merged in name order), generated from the schema.',
    '`[]` marks a list entry, `<name>` a key you choose, `[kind=http]` the keys of one kind. Durations are written',
    '`500ms`, `10s`, `5m`, `1h30m`, `720h`, `30d`, `2w`. `${VAR}` in a value expands from the environment, with a default',
    'as in a shell: `${VAR:-text}` when unset or empty, `${VAR-text}` when unset (`$${` writes a literal `${`), except in',
    'fields holding shell or SQL text. `opsbook schema` prints the same as JSON Schema.',
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

/** A generated region: the file under the repository root that holds it, and what it renders. */
export interface GeneratedRegion {
  file: string;
  render: () => string;
}

/** The regions this module owns, by marker name. */
export const GENERATED_REGIONS: Record<string, GeneratedRegion> = {
  'config-reference': { file: 'docs/configuration.md', render: configReferenceRegion },
  'error-codes': { file: 'docs/errors.md', render: errorCodesRegion },
};

/** Text between `<!-- NAME:start -->` and `<!-- NAME:end -->`, trimmed; undefined when the markers are missing. */
export function readRegion(doc: string, name: string): string | undefined {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const a = doc.indexOf(start);
  const b = doc.indexOf(end, a + start.length);
  if (a === -1 || b === -1) return undefined;
  return doc.slice(a + start.length, b).trim();
}

export function replaceRegion(doc: string, name: string, content: string): string {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const a = doc.indexOf(start);
  const b = doc.indexOf(end, a + start.length);
  if (a === -1 || b === -1) throw new Error(`the document has no ${start} … ${end} markers`);
  return `${doc.slice(0, a + start.length)}\n${content}\n${doc.slice(b)}`;
}

/** `doc` (the text of `file`) with every generated region that lives in `file` brought up to date. */
export function renderDoc(file: string, doc: string): string {
  let out = doc;
  for (const [name, region] of Object.entries(GENERATED_REGIONS)) {
    if (region.file === file) out = replaceRegion(out, name, region.render());
  }
  return out;
}

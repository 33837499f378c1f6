import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, Scalar, visit as visitYaml, type Document, type Node } from 'yaml';
import { expandEnv } from './env.js';
import type { ConfigIssue } from './issues.js';
import type { PathSegment } from './paths.js';
import { isRawTextField } from './raw-fields.js';
import { describeYamlError } from '../lib/yaml-errors.js';
import { isConfigFileName } from '../lib/config-file-names.js';

/** One config file after parsing and `${VAR}` expansion, with paths relative to the file. */
export interface ParsedFile {
  /** The file as the user would name it (the given path, or DIR/NAME). */
  file: string;
  /** Plain data; undefined when the file could not be read or parsed. */
  data: unknown;
  /** Line of every key and list entry, by path within this file. */
  lines: Array<[PathSegment[], number]>;
  /** Problems found so far; `segments` locate them before merging. */
  issues: Array<Omit<ConfigIssue, 'path'> & { segments: PathSegment[] }>;
  /** Fields whose value used a missing variable: their schema errors would only repeat the cause. */
  envMissing: PathSegment[][];
  /** Size of the file in bytes. */
  bytes: number;
  /** Values `${VAR}` took from variables named like a credential (Expansion.secrets). */
  secrets: string[];
}

/** Aliases expanded at most this many times over (yaml's maxAliasCount): an alias bomb stops here. */
export const MAX_ALIAS_COUNT = 1000;

export { isConfigFileName } from '../lib/config-file-names.js';

/** The files a config path stands for: the file itself, or a directory's `*.yaml`/`*.yml` in name order (other opsbook documents left out). */
export async function listConfigFiles(path: string): Promise<{ files: string[]; isDirectory: boolean } | { error: string }> {
  let info;
  try {
    info = await stat(path);
  } catch (e) {
    return { error: `cannot read ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}` };
  }
  if (!info.isDirectory()) return { files: [path], isDirectory: false };
  const names = (await readdir(path)).filter(isConfigFileName).sort();
  if (names.length === 0) return { error: `${path} holds no .yaml or .yml files` };
  return { files: names.map((n) => join(path, n)), isDirectory: true };
}

export interface ParseOptions {
  env: Record<string, string | undefined>;
  rawTextFields: readonly string[];
  /** Files larger than this are refused before they are read. */
  maxBytes: number;
}

export async function parseConfigFile(file: string, options: ParseOptions): Promise<ParsedFile> {
  const out: ParsedFile = { file, data: undefined, lines: [], issues: [], envMissing: [], bytes: 0, secrets: [] };
  let text: string;
  try {
    out.bytes = (await stat(file)).size;
    if (out.bytes > options.maxBytes) {
      out.issues.push({ code: 'OPSBOOK_E_CONFIG_TOO_LARGE', message: `file is ${out.bytes} bytes, over the limit of ${options.maxBytes} (config.max_bytes)`, file, line: 1, segments: [] });
      return out;
    }
    text = await readFile(file, 'utf8');
  } catch (e) {
    out.issues.push({ code: 'OPSBOOK_E_CONFIG_READ', message: `cannot read file: ${(e as Error).message}`, file, segments: [] });
    return out;
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, merge: true, prettyErrors: false });
  const lineOf = (node: { range?: [number, number, number] | null } | null | undefined): number | undefined =>
    node?.range ? lineCounter.linePos(node.range[0]).line : undefined;

  if (doc.errors.length > 0) {
    for (const err of doc.errors) {
      const line = lineCounter.linePos(err.pos[0]).line;
      out.issues.push({ code: 'OPSBOOK_E_CONFIG_YAML', message: `not valid YAML: ${describeYamlError(err)}`, file, line, segments: [] });
    }
    return out;
  }
  if (doc.contents !== null && !isMap(doc.contents)) {
    out.issues.push({ code: 'OPSBOOK_E_CONFIG_INVALID', message: 'config must be a mapping of sections (server:, checks:, …)', file, line: lineOf(doc.contents as Node), segments: [] });
    return out;
  }

  const visit = (node: unknown, segments: PathSegment[]): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair) || !isScalar(pair.key)) continue;
        const seg = String(pair.key.value);
        const child = [...segments, seg];
        const line = lineOf(pair.key);
        if (line !== undefined) out.lines.push([child, line]);
        // A key the validation would drop without a word (objects are built by assignment, which sets the prototype).
        if (seg === '__proto__') {
          out.issues.push({ code: 'OPSBOOK_E_CONFIG_INVALID', message: '"__proto__" cannot be a key (rename it)', file, line, segments: child });
          continue;
        }
        visit(pair.value, child);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        const child = [...segments, i];
        const line = lineOf(item as Node);
        if (line !== undefined) out.lines.push([child, line]);
        visit(item, child);
      });
    } else if (isScalar(node) && typeof node.value === 'string' && node.value.includes('$')) {
      if (isRawTextField(segments, options.rawTextFields)) return;
      expandScalar(node, segments, lineOf(node));
    }
    // Aliases (isAlias) point at nodes already expanded where they are defined.
  };

  const expandScalar = (node: Scalar, segments: PathSegment[], line: number | undefined): void => {
    const original = node.value as string;
    const { value, missing, malformed, secrets } = expandEnv(original, options.env);
    out.secrets.push(...secrets);
    for (const name of missing) {
      out.issues.push({ code: 'OPSBOOK_E_CONFIG_ENV_MISSING', message: `environment variable ${name} is not set`, variable: name, file, line, segments });
    }
    for (const problem of malformed) {
      out.issues.push({ code: 'OPSBOOK_E_CONFIG_ENV_SYNTAX', message: problem, file, line, segments });
    }
    if (missing.length > 0 || malformed.length > 0) out.envMissing.push(segments);
    node.value = node.type === Scalar.PLAIN ? retype(value) : value;
  };

  visit(doc.contents, []);
  const unresolved = unresolvedAlias(doc);
  if (unresolved) {
    out.issues.push({ code: 'OPSBOOK_E_CONFIG_YAML', message: `not valid YAML: alias *${unresolved.source} names no anchor defined before it`, file, line: lineOf(unresolved), segments: [] });
    return out;
  }
  try {
    out.data = doc.contents === null ? {} : doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    // yaml throws for an alias bomb (too many expansions); point at the first alias.
    const first = firstAlias(doc);
    out.issues.push({ code: 'OPSBOOK_E_CONFIG_YAML', message: `not valid YAML: ${firstLine((e as Error).message)} (aliases expand to more than ${MAX_ALIAS_COUNT}× the document)`, file, line: lineOf(first) ?? 1, segments: [] });
  }
  return out;
}

type AliasNode = Node & { source: string; resolve(doc: Document): unknown };

/** The first alias whose anchor is not defined before it (yaml would throw a ReferenceError). */
function unresolvedAlias(doc: Document): AliasNode | undefined {
  let found: AliasNode | undefined;
  visitYaml(doc, {
    Alias(_key, node) {
      if (node.resolve(doc) === undefined) {
        found = node as unknown as AliasNode;
        return visitYaml.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

function firstAlias(doc: Document): AliasNode | undefined {
  let found: AliasNode | undefined;
  visitYaml(doc, {
    Alias(_key, node) {
      found = node as unknown as AliasNode;
      return visitYaml.BREAK;
    },
  });
  return found;
}

/** An unquoted `${PORT}` should read as a number once expanded, as if it had been written in place. */
function retype(value: string): unknown {
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(value) || /^0x[0-9a-fA-F]+$/.test(value) || /^0o[0-7]+$/.test(value)) {
    const n = Number(value);
    if (Number.isFinite(n)) return n;
  }
  return value;
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

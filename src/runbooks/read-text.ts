import { Lines, readBlocks } from './blocks.js';
import { readChecklists } from './checklists.js';
import { splitFrontMatter } from './front-matter.js';
import { lineOf, PlainTexts, tokenize, type Token } from './markdown.js';
import type { CodeBlock, Link, Procedure, Runbook, RunbookWarning } from './model.js';
import { DEFAULT_PHASES, DocumentPhases, PhaseReader, type PhaseVocabulary } from './phases.js';
import { findProcedureSections, slug, titleWithoutId, wholeDocumentProcedure } from './procedures.js';
import { buildSections, publicSections, walkSections, type SectionNode } from './sections.js';
import { scratchRestores } from './restores.js';
import { speedups } from './speedups.js';
import { readPhases } from './steps.js';
import { readTables } from './tables.js';

export interface ParseOptions {
  /** The path the runbook is known by (used in `FILE#ID` references). */
  file?: string;
  /** Headings and labels to read as phases besides the built-in ones (config `runbooks.phases`). */
  phases?: PhaseVocabulary | PhaseReader;
}

/**
 * Read a markdown runbook into the Runbook model. Never throws on odd input: what cannot be
 * understood becomes a warning with its line. SQL the plain reader does not read needs the
 * PostgreSQL parser loaded: SqlParserNotLoaded otherwise (`parseRunbook` has it loaded at import,
 * `readRunbook` loads it when a runbook needs it).
 */
export function readRunbookText(text: string, options: ParseOptions = {}): Runbook {
  const file = options.file ?? '';
  // Most files have no carriage return: no pattern run over their whole text then.
  const source = text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
  const lines = new Lines(source);
  const front = splitFrontMatter(source);
  const warnings: RunbookWarning[] = [...front.warnings];
  const tokens = tokenize(front.body);
  const texts = new PlainTexts(tokens);
  const roots = buildSections(tokens, lines.count, texts);
  const all = walkSections(roots);
  const sectionAt = (line: number): string => {
    let title = '';
    for (const s of all) if (s.line <= line && line <= s.endLine) title = s.title;
    return title;
  };
  const blocks = readBlocks(tokens, lines, warnings);
  const byLine = new Map<number, CodeBlock>();
  for (const b of blocks) byLine.set(b.line, b);
  const vocabulary = options.phases instanceof PhaseReader ? options.phases : options.phases ? new PhaseReader(options.phases) : DEFAULT_PHASES;
  const reader = speedups().prechecks ? new DocumentPhases(vocabulary) : vocabulary;
  const frontTitle = typeof front.data.title === 'string' && front.data.title.trim() ? front.data.title.trim() : undefined;
  const title = all.find((s) => s.level === 1)?.title ?? frontTitle ?? fileTitle(file);
  const procedures = readProcedures(tokens, texts, roots, (l) => byLine.get(l), reader, title, lines.count);
  scratchRestores(procedures);
  return {
    file,
    title,
    frontMatter: front.data,
    sections: publicSections(roots),
    procedures,
    blocks,
    tables: readTables(tokens, sectionAt, texts),
    checklists: readChecklists(tokens, sectionAt, texts),
    links: readLinks(tokens),
    prose: readProse(tokens, texts),
    lineCount: lines.count,
    warnings,
  };
}

function readProcedures(tokens: Token[], texts: PlainTexts, roots: SectionNode[], blockAt: (line: number) => CodeBlock | undefined, reader: PhaseReader, title: string, lineCount: number): Procedure[] {
  const used = new Map<string, number>();
  let found = findProcedureSections(tokens, roots, reader);
  if (found.length === 0) {
    const whole = wholeDocumentProcedure(tokens, roots, title, lineCount, reader);
    if (whole) found = [{ section: whole, ownId: undefined }];
  }
  return found.map(({ section, ownId }) => {
    let id = ownId ?? slug(titleWithoutId(section.title));
    const seen = used.get(id.toLowerCase()) ?? 0;
    used.set(id.toLowerCase(), seen + 1);
    if (seen > 0) id = `${id}-${seen + 1}`;
    return {
      id,
      title: ownId ? titleWithoutId(section.title) : section.title,
      line: section.line,
      endLine: section.endLine,
      phases: readPhases(tokens, section, blockAt, reader, texts),
    };
  });
}

function fileTitle(file: string): string {
  return file.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '') || 'untitled';
}

function readLinks(tokens: Token[]): Link[] {
  const out: Link[] = [];
  for (const t of tokens) {
    if (t.type !== 'inline' || !t.children) continue;
    // A link is written with `[` (inline or reference) or `<` (autolink): most paragraphs have neither.
    if (!t.content.includes('[') && !t.content.includes('<')) continue;
    let line = lineOf(t);
    for (let i = 0; i < t.children.length; i++) {
      const c = t.children[i]!;
      if (c.type === 'softbreak' || c.type === 'hardbreak') line++;
      if (c.type !== 'link_open') continue;
      let text = '';
      for (let j = i + 1; j < t.children.length && t.children[j]!.type !== 'link_close'; j++) text += t.children[j]!.content;
      out.push({ href: String(c.attrGet('href') ?? ''), text, line });
    }
  }
  return out;
}

/** Prose outside code: what a placeholder may be explained in. */
function readProse(tokens: Token[], texts: PlainTexts): string {
  const parts: string[] = [];
  for (let i = 0; i < tokens.length; i++) if (tokens[i]!.type === 'inline') parts.push(texts.at(i));
  return parts.join('\n');
}

import { anchorOf, lineOf, PlainTexts, type Token } from './markdown.js';
import type { Section } from './model.js';

/** A section with the token range it covers, for the passes that read its content. */
export interface SectionNode extends Section {
  children: SectionNode[];
  parent: SectionNode | undefined;
  /** Index of the heading_open token. */
  start: number;
  /** Index of the first token of the body (after heading_close). */
  bodyStart: number;
  /** Index one past the last token of the section, sub-sections included. */
  end: number;
  /** Index one past the section's own body (where its first sub-section starts). */
  ownEnd: number;
}

/**
 * The heading tree. Each section runs until the next heading of the same or a higher level;
 * duplicate anchors get `-1`, `-2` as GitHub does.
 */
export function buildSections(tokens: Token[], lineCount: number, texts = new PlainTexts(tokens)): SectionNode[] {
  const roots: SectionNode[] = [];
  const stack: SectionNode[] = [];
  const anchors = new Map<string, number>();
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.type !== 'heading_open') continue;
    const level = Number(t.tag.slice(1));
    const title = texts.at(i + 1);
    let anchor = anchorOf(title);
    const seen = anchors.get(anchor) ?? 0;
    anchors.set(anchor, seen + 1);
    if (seen > 0) anchor = `${anchor}-${seen}`;
    while (stack.length && stack[stack.length - 1]!.level >= level) close(stack.pop()!, i, lineOf(t) - 1);
    const parent = stack[stack.length - 1];
    const node: SectionNode = { title, level, line: lineOf(t), endLine: lineCount, anchor, empty: false, children: [], parent, start: i, bodyStart: i + 3, end: tokens.length, ownEnd: tokens.length };
    if (parent) {
      parent.children.push(node);
      if (parent.ownEnd === tokens.length) parent.ownEnd = i;
    } else roots.push(node);
    stack.push(node);
  }
  while (stack.length) close(stack.pop()!, tokens.length, lineCount);
  for (const n of walkSections(roots)) n.empty = n.children.length === 0 && onlyRules(tokens, n.bodyStart, n.ownEnd);
  return roots;
}

/** True when the tokens from `start` to `end` are all horizontal rules (or there are none). */
function onlyRules(tokens: Token[], start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (tokens[i]!.type !== 'hr') return false;
  return true;
}

function close(node: SectionNode, end: number, endLine: number): void {
  node.end = end;
  if (node.ownEnd > end) node.ownEnd = end;
  node.endLine = Math.max(node.line, endLine);
}

/** Every section under `nodes`, each before its sub-sections, in document order. */
export function walkSections(nodes: SectionNode[], out: SectionNode[] = []): SectionNode[] {
  for (const n of nodes) {
    out.push(n);
    walkSections(n.children, out);
  }
  return out;
}

/** The public shape, without token indexes and parent links. */
export function publicSections(nodes: SectionNode[]): Section[] {
  return nodes.map((n) => ({ title: n.title, level: n.level, line: n.line, endLine: n.endLine, anchor: n.anchor, empty: n.empty, children: publicSections(n.children) }));
}

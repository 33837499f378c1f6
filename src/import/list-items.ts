import MarkdownIt from 'markdown-it';
import type { Token } from 'markdown-it';

/** A list item outside code, with what introduces it: the heading above and the bold label or parent item. */
export interface ListItem {
  text: string;
  line: number;
  /** Title of the nearest heading above. */
  heading: string;
  /** The bold label of the paragraph introducing the list (`**Critical Alerts**:` → `Critical Alerts`), or the parent item's text. */
  label: string;
  /** The item's own bold label (`**Level 1**: On-call engineer` → `Level 1`), and the text after it. */
  ownLabel: string;
  rest: string;
}

const md = new MarkdownIt({ html: false, linkify: false });

function plain(inline: Token | undefined): string {
  if (!inline?.children) return inline?.content.trim() ?? '';
  let out = '';
  for (const c of inline.children) {
    if (c.type === 'text' || c.type === 'code_inline') out += c.content;
    else if (c.type === 'softbreak' || c.type === 'hardbreak') out += ' ';
  }
  return out.replace(/\s+/g, ' ').trim();
}

/** `**Label**: rest` or `**Label:** rest` → [label, rest]; no bold start → ['', text]. */
function splitLabel(inline: Token | undefined): [string, string] {
  const kids = (inline?.children ?? []).filter((k, i) => !(i === 0 && k.type === 'text' && k.content === ''));
  if (kids[0]?.type !== 'strong_open') return ['', plain(inline)];
  let label = '';
  let i = 1;
  for (; i < kids.length && kids[i]!.type !== 'strong_close'; i++) label += kids[i]!.content;
  let rest = '';
  for (let j = i + 1; j < kids.length; j++) {
    const k = kids[j]!;
    if (k.type === 'text' || k.type === 'code_inline') rest += k.content;
    else if (k.type === 'softbreak' || k.type === 'hardbreak') rest += ' ';
  }
  return [label.trim().replace(/:$/, '').trim(), rest.replace(/^\s*:/, '').replace(/\s+/g, ' ').trim()];
}

/** Front matter lines blanked so markdown-it's line numbers stay the file's own. */
function withoutFrontMatter(text: string): string {
  const lines = text.split('\n');
  if (!/^---\s*$/.test(lines[0] ?? '')) return text;
  const end = lines.findIndex((l, i) => i > 0 && /^(---|\.\.\.)\s*$/.test(l));
  if (end < 0) return text;
  return lines.map((l, i) => (i <= end ? '' : l)).join('\n');
}

/**
 * Every list item of a markdown document in order. Thresholds ("Email queue > 500 jobs: Warning"),
 * escalation levels and backup times are written as bullets, and what a bullet means depends on
 * the label above it ("**Critical Alerts**:", "**Expected Results**:").
 */
export function readListItems(text: string): ListItem[] {
  const tokens = md.parse(withoutFrontMatter(text.replace(/\r\n?/g, '\n')), {});
  const out: ListItem[] = [];
  let heading = '';
  let label = '';
  const parents: string[] = [];
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.type === 'heading_open') {
      heading = plain(tokens[i + 1]);
      label = '';
    } else if (t.type === 'paragraph_open' && depth === 0) {
      const [l, rest] = splitLabel(tokens[i + 1]);
      // A paragraph without a bold label ends the label's reach; "**Severity**: P2" is a label with a value.
      label = l && !rest ? l : '';
    } else if (t.type === 'bullet_list_open' || t.type === 'ordered_list_open') depth++;
    else if (t.type === 'bullet_list_close' || t.type === 'ordered_list_close') depth--;
    else if (t.type === 'list_item_open') {
      const inline = tokens[i + 2]?.type === 'inline' ? tokens[i + 2] : undefined;
      const [ownLabel, rest] = splitLabel(inline);
      const item: ListItem = { text: plain(inline), line: (t.map?.[0] ?? 0) + 1, heading, label: depth > 1 ? (parents[depth - 2] ?? label) : label, ownLabel, rest };
      out.push(item);
      parents[depth - 1] = ownLabel || item.text;
    }
  }
  return out;
}

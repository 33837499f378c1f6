import { lineOf, PlainTexts, type Token } from './markdown.js';
import type { Checklist } from './model.js';

const BOX = /^\[([ xX])\]\s+/;

/** Lists whose items are `- [ ]` / `- [x]` boxes; the title is the nearest label or heading before. */
export function readChecklists(tokens: Token[], sectionAt: (line: number) => string, texts = new PlainTexts(tokens)): Checklist[] {
  const out: Checklist[] = [];
  // The index of the last top-level paragraph; its text is read only when a checklist follows it.
  let lastLabel = -1;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.type === 'inline' && tokens[i - 1]?.type === 'paragraph_open' && t.level <= 1) lastLabel = i;
    if (t.type !== 'bullet_list_open') continue;
    const items: Checklist['items'] = [];
    const depth = t.level;
    let j = i + 1;
    for (; j < tokens.length && !(tokens[j]!.type === 'bullet_list_close' && tokens[j]!.level === depth); j++) {
      const it = tokens[j]!;
      if (it.type === 'list_item_open' && it.level === depth + 1) {
        const inline = tokens[j + 2];
        // A box's `[` is in the item's source, as written or as an entity: items without either hold none.
        const raw = inline?.content ?? '';
        if (!raw.includes('[') && !raw.includes('&')) continue;
        const text = texts.at(j + 2);
        const m = BOX.exec(text);
        if (m) items.push({ text: text.slice(m[0].length), checked: m[1] !== ' ', line: lineOf(it) });
      }
    }
    if (items.length > 0) {
      const line = items[0]!.line;
      const title = lastLabel >= 0 && lastLabel > i - 4 ? texts.at(lastLabel).replace(/:$/, '') : sectionAt(line);
      out.push({ title, line, items });
      i = j;
    }
  }
  return out;
}

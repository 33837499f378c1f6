import { isMap, isScalar, parseDocument } from 'yaml';
import type { RunbookWarning } from './model.js';

export interface FrontMatter {
  data: Record<string, unknown>;
  /** The document with the front matter lines blanked, so every line number stays the file's own. */
  body: string;
  warnings: RunbookWarning[];
}

/** Optional YAML front matter between `---` lines at the very top. */
export function splitFrontMatter(text: string): FrontMatter {
  // Most runbooks have none: look at the first line before splitting the whole text.
  const firstEnd = text.indexOf('\n');
  if (!/^---\s*$/.test(firstEnd < 0 ? text : text.slice(0, firstEnd))) return { data: {}, body: text, warnings: [] };
  const lines = text.split('\n');
  const end = lines.findIndex((l, i) => i > 0 && /^(---|\.\.\.)\s*$/.test(l));
  if (end < 0) return { data: {}, body: text, warnings: [{ code: 'front-matter-unclosed', line: 1, message: 'front matter opened with --- is never closed; read as markdown' }] };
  const yamlText = lines.slice(1, end).join('\n');
  const body = [...lines.slice(0, end + 1).map(() => ''), ...lines.slice(end + 1)].join('\n');
  // Lenient as the static site generators that own these pages are: a key given twice keeps its
  // last value, with a warning, instead of the whole front matter being rejected.
  const doc = parseDocument(yamlText, { uniqueKeys: false, prettyErrors: true });
  const error = doc.errors[0];
  // Like GitHub, text between --- lines that is not YAML is read as markdown.
  const notYaml = (line: number, message: string): FrontMatter => ({
    data: {},
    body: text,
    warnings: [{ code: 'front-matter-invalid', line, message: `front matter is not valid YAML, read as markdown: ${message.split('\n')[0]}` }],
  });
  if (error) return notYaml((error.linePos?.[0]?.line ?? 1) + 1, error.message);
  let data: unknown;
  try {
    // Parsed, yet not convertible: an alias whose anchor is never set (`**Symptoms:**` reads as one),
    // or aliases past the expansion limit.
    data = doc.toJS();
  } catch (e) {
    return notYaml(2, (e as Error).message);
  }
  if (data === null || data === undefined) return { data: {}, body, warnings: [] };
  if (typeof data !== 'object' || Array.isArray(data)) {
    return { data: {}, body: text, warnings: [{ code: 'front-matter-invalid', line: 2, message: 'front matter is not a YAML mapping; read as markdown' }] };
  }
  return { data: data as Record<string, unknown>, body, warnings: duplicateKeys(doc.contents, yamlText) };
}

/** Top-level keys given more than once, each reported at its later line (front matter starts on line 2). */
function duplicateKeys(contents: unknown, yamlText: string): RunbookWarning[] {
  if (!isMap(contents)) return [];
  const seen = new Set<string>();
  const out: RunbookWarning[] = [];
  for (const item of contents.items) {
    const key = isScalar(item.key) ? String(item.key.value) : undefined;
    if (key === undefined) continue;
    if (seen.has(key)) {
      const offset = isScalar(item.key) ? (item.key.range?.[0] ?? 0) : 0;
      const line = 2 + countNewlines(yamlText, offset);
      out.push({ code: 'front-matter-duplicate-key', line, message: `front matter key "${key}" is given more than once; the last value is used` });
    }
    seen.add(key);
  }
  return out;
}

function countNewlines(text: string, upTo: number): number {
  let n = 0;
  for (let i = 0; i < upTo && i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

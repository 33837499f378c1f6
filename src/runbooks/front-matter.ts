import { parse as parseYaml } from 'yaml';
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
  try {
    const data: unknown = parseYaml(yamlText);
    if (data === null || data === undefined) return { data: {}, body, warnings: [] };
    if (typeof data !== 'object' || Array.isArray(data)) {
      return { data: {}, body: text, warnings: [{ code: 'front-matter-invalid', line: 2, message: 'front matter is not a YAML mapping; read as markdown' }] };
    }
    return { data: data as Record<string, unknown>, body, warnings: [] };
  } catch (e) {
    const line = (e as { linePos?: { line: number }[] }).linePos?.[0]?.line;
    // Like GitHub, text between --- lines that is not YAML is read as markdown.
    return { data: {}, body: text, warnings: [{ code: 'front-matter-invalid', line: (line ?? 1) + 1, message: `front matter is not valid YAML, read as markdown: ${(e as Error).message.split('\n')[0]}` }] };
  }
}

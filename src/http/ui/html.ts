/**
 * HTML built from tagged templates. Every interpolated value is escaped unless it is already
 * `Html` (produced by `html` itself, or marked with `trusted` after a deliberate decision), so
 * text from config, runbooks, check errors or people can never become markup.
 */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** A value interpolated into `html`: text is escaped; lists are joined; nothing prints for null, undefined and false. */
export type HtmlValue = Html | string | number | boolean | null | undefined | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value as string | number | boolean));
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new Html(out);
}

/** Marks text as markup. Only for strings opsbook itself built (SVG paths, fixed snippets). */
export function trusted(markup: string): Html {
  return new Html(markup);
}

// A code span: a run of backticks, then text that neither starts nor ends with one, then a run of
// the same length (CommonMark's rule, without its line-ending and space trimming subtleties).
const CODE_SPAN = /(?<!`)(`+)(?!`)([\s\S]*?[^`])\1(?!`)/g;

/**
 * A description or comment someone wrote in the config, for a page: text, with its inline code
 * (`npm start`) as <code>. Nothing else is read as markup: the text is escaped first, so HTML in a
 * description prints as written. Every page that prints such text goes through this.
 */
export function configText(text: string): Html {
  let out = '';
  let last = 0;
  for (const m of text.matchAll(CODE_SPAN)) {
    out += escapeHtml(text.slice(last, m.index)) + `<code>${escapeHtml(m[2]!)}</code>`;
    last = m.index + m[0].length;
  }
  return new Html(out + escapeHtml(text.slice(last)));
}

/** Text for inside a `<script type="application/json">`: `<` escaped so `</script>` cannot close it. */
export function jsonForScript(value: unknown): Html {
  return new Html(JSON.stringify(value).replace(/</g, '\\u003c'));
}

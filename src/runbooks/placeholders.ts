/**
 * Placeholders are the parts of a command the responder must fill in: `$TOKEN`, `${DB_HOST}`,
 * `<pod-name>`, `{webhookId}`. Shell variables come from the shell syntax tree; the angle and
 * brace forms from the text.
 */

/** Variables every shell has: not something the runbook asks for. */
const ENVIRONMENT = new Set(['HOME', 'PATH', 'PWD', 'USER', 'SHELL', 'HOSTNAME', 'RANDOM', 'LINENO', 'SECONDS', 'OSTYPE', 'UID', 'EUID', 'PPID', 'IFS', 'TERM', 'LANG', 'TMPDIR', 'OLDPWD', 'BASH_SOURCE']);

export const ANGLE_PLACEHOLDER = /<([A-Za-z][\w.-]*)>/g;
const BRACE_PLACEHOLDER = /(?<![$\w{])\{([A-Za-z_][\w-]*)\}(?!\})/g;
const DOLLAR_PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/** `<pod-name>` placeholders in text. */
export function anglePlaceholders(text: string): string[] {
  if (!text.includes('<')) return [];
  return [...text.matchAll(ANGLE_PLACEHOLDER)].map((m) => `<${m[1]}>`);
}

/** `$NAME` for shell variables the block uses but never sets. */
export function variablePlaceholders(params: string[], assigned: ReadonlySet<string>): string[] {
  return params.filter((p) => /^[A-Za-z_]\w*$/.test(p) && !assigned.has(p) && !ENVIRONMENT.has(p)).map((p) => `$${p}`);
}

/** Placeholders in code that is not shell (SQL, YAML, URLs in prose): every form, from the text. */
export function textPlaceholders(text: string, opts: { braces: boolean; dollars: boolean }): string[] {
  const out = anglePlaceholders(text);
  if (opts.dollars) {
    for (const m of text.matchAll(DOLLAR_PLACEHOLDER)) {
      const name = m[1] ?? m[2] ?? '';
      if (!ENVIRONMENT.has(name)) out.push(`$${name}`);
    }
  }
  if (opts.braces) for (const m of text.matchAll(BRACE_PLACEHOLDER)) out.push(`{${m[1]}}`);
  return unique(out);
}

export function unique<T>(items: Iterable<T>): T[] {
  return [...new Set(items)];
}

/** The bare name of a placeholder, for matching against prose: `<pod-name>` → `pod-name`. */
export function placeholderName(p: string): string {
  return p.replace(/^[$<{]|[>}]$/g, '');
}

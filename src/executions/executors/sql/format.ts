/** Rows as psql prints them: aligned columns, a rule under the header, and a row count. */
export function formatRows(fields: readonly string[], rows: readonly Record<string, unknown>[], total = rows.length, limit?: string): string {
  if (fields.length === 0) return '';
  const table = rows.map((r) => fields.map((f) => cell(r[f]).replace(/\n/g, '\\n')));
  // A loop, not Math.max(...cells): a spread of a few hundred thousand cells overflows the stack.
  const widths = fields.map((f) => f.length);
  for (const r of table) for (let i = 0; i < widths.length; i++) if (r[i]!.length > widths[i]!) widths[i] = r[i]!.length;
  const line = (cells: readonly string[]): string => ` ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')}`.trimEnd();
  const out = [line(fields), widths.map((w) => '-'.repeat(w + 2)).join('+'), ...table.map(line)];
  const count = `${total} ${total === 1 ? 'row' : 'rows'}`;
  out.push(total > rows.length ? `(${count}; the first ${rows.length} shown, the rest past the ${limit ?? 'output limit'})` : `(${count})`);
  return `${out.join('\n')}\n`;
}

/** A value as a cell of the table. */
export function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

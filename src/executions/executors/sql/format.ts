/** Rows as psql prints them: aligned columns, a rule under the header, and a row count. */
export function formatRows(fields: readonly string[], rows: readonly Record<string, unknown>[]): string {
  if (fields.length === 0) return '';
  const cell = (v: unknown): string => {
    if (v === null || v === undefined) return '';
    if (v instanceof Date) return v.toISOString();
    if (typeof v === 'object') return JSON.stringify(v);
    return String(v);
  };
  const table = rows.map((r) => fields.map((f) => cell(r[f]).replace(/\n/g, '\\n')));
  const widths = fields.map((f, i) => Math.max(f.length, ...table.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string => ` ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')}`.trimEnd();
  const out = [line(fields), widths.map((w) => '-'.repeat(w + 2)).join('+'), ...table.map(line)];
  out.push(`(${rows.length} ${rows.length === 1 ? 'row' : 'rows'})`);
  return `${out.join('\n')}\n`;
}

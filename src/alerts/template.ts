import type { Labels } from './types.js';
import { own } from '../lib/own.js';

/**
 * Annotation templates: `{{ value }}` and `{{ labels.NAME }}` (Prometheus' `{{ $value }}` and
 * `{{ $labels.NAME }}` spellings work too). Anything else between braces is a config error,
 * reported by `templateProblems` at load, so a typo never reaches a page.
 */
const PLACEHOLDER = /\{\{\s*([^}]*?)\s*\}\}/g;
const KNOWN = /^\$?(value|labels\.[A-Za-z_][A-Za-z0-9_]*)$/;

export function renderTemplate(template: string, context: { value?: number; labels: Labels }): string {
  return template.replace(PLACEHOLDER, (_all, expr: string) => {
    const name = expr.replace(/^\$/, '');
    if (name === 'value') return context.value === undefined ? '' : formatValue(context.value);
    if (name.startsWith('labels.')) return own(context.labels, name.slice('labels.'.length)) ?? '';
    return _all;
  });
}

/** Placeholders in `template` that are neither `value` nor `labels.NAME`. */
export function templateProblems(template: string): string[] {
  const problems: string[] = [];
  for (const m of template.matchAll(PLACEHOLDER)) {
    if (!KNOWN.test(m[1]!)) problems.push(`unknown placeholder "{{ ${m[1]} }}" (use {{ value }} or {{ labels.NAME }})`);
  }
  return problems;
}

/** Values read as people write them: integers whole, others to at most 3 decimals. */
export function formatValue(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toFixed(3)));
}

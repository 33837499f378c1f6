import type { Procedure } from '../runbooks/index.js';
import type { FileContext } from './context.js';

/** `HighDiskUsage` → `high disk usage`; `orders_pending_total` stays as it is. */
export function words(term: string): string {
  return term
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .replace(/[^a-z0-9_/.:%-]+/g, ' ')
    .trim();
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function mentions(text: string, term: string): boolean {
  if (!term) return false;
  return new RegExp(`(^|[^a-z0-9_])${escape(term)}($|[^a-z0-9_])`, 'i').test(text);
}

function symptomText(p: Procedure): string {
  return p.phases
    .filter((ph) => ph.kind === 'symptoms')
    .flatMap((ph) => ph.steps.map((s) => s.text))
    .join('\n');
}

/**
 * Finds the procedure a check or rule belongs to: the one whose symptoms name its metric, alert or
 * key phrase; failing that, one whose title is the alert's name in words ("HighDiskUsage" → "High
 * Disk Usage"). No match, no link: a wrong runbook in front of a responder is worse than none.
 */
export class Linker {
  constructor(private readonly files: FileContext[]) {}

  /** `FILE#ID`, searching `first`'s own runbook before the others. */
  find(terms: string[], first?: FileContext): string | undefined {
    const order = first ? [first, ...this.files.filter((f) => f !== first)] : this.files;
    const wanted = [...new Set(terms.map((t) => t.replace(/[`*"]/g, '').trim()).filter((t) => t.length >= 3))];
    for (const f of order) {
      for (const p of f.runbook.procedures) {
        const text = symptomText(p);
        if (wanted.some((t) => mentions(text, t) || (/[A-Z].*[A-Z]/.test(t) && !t.includes(' ') && mentions(words(text), words(t))))) return f.reference(p);
      }
    }
    for (const f of order) {
      for (const p of f.runbook.procedures) {
        const title = words(p.title.replace(/^(scenario|runbook|playbook|procedure|incident|case)\s+#?\d+\s*[:.-]?\s*/i, ''));
        if (wanted.some((t) => words(t).includes(' ') && (title === words(t) || title === words(t).replace(/^(high|low) /, '')))) return f.reference(p);
      }
    }
    return undefined;
  }

  /** The procedure a `runbook_url` names, when it points at one of the imported runbooks. */
  fromUrl(url: string): string | undefined {
    const [path = '', anchor = ''] = url.split('#');
    const base = path.replace(/^.*\//, '').toLowerCase();
    if (!base) return undefined;
    for (const f of this.files) {
      const fileBase = f.ref.replace(/^.*[\\/]/, '').toLowerCase();
      if (fileBase !== base && fileBase.replace(/\.[^.]*$/, '') !== base.replace(/\.[^.]*$/, '')) continue;
      const byAnchor = anchor ? f.runbook.procedures.find((p) => p.id.toLowerCase() === anchor.toLowerCase() || slugOf(p.title) === anchor.toLowerCase()) : undefined;
      const p = byAnchor ?? (f.runbook.procedures.length === 1 ? f.runbook.procedures[0] : undefined);
      if (p) return f.reference(p);
    }
    return undefined;
  }
}

function slugOf(title: string): string {
  return title.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').trim().replace(/\s/g, '-');
}

import { resolveRunbookLink, type Procedure } from '../runbooks/index.js';
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

  /**
   * The procedure a `runbook_url`, `runbook` or `playbook` annotation names, when it points at one
   * of the imported runbooks: the URL's path under any prefix, matched as ingest matches it.
   */
  fromUrl(url: string, alertName?: string): string | undefined {
    return resolveRunbookLink(this.files.map((f) => f.runbook), url, { anyPrefix: true, ...(alertName ? { alertName } : {}) });
  }
}

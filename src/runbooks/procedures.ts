import { boldLabel, isCodeToken, NON_ASCII, type Token } from './markdown.js';
import { DEFAULT_PHASES, type PhaseReader } from './phases.js';
import { walkSections, type SectionNode } from './sections.js';

/** How procedures are recognised, for a file where none is: the lint, `runbook show` and a `FILE#ID` that names none say it. */
export const NO_PROCEDURE_WHY =
  'no heading or bold label names a phase (Diagnosis, Mitigation…), and no section holds steps under a procedure title; add phase headings or extend runbooks.phases';

/** Headings that group situations: each sub-section with steps is a procedure of its own. */
const CONTAINER = /\b(troubleshoot(ing)?|incidents?|incident (response|scenarios)|emergenc(y|ies)|runbooks?|playbooks?|scenarios|common (issues|problems|tasks)|known issues|disaster|alerts|failure (modes|scenarios))\b/i;
/** Words that group procedures only in a top-level section ("## Maintenance Procedures"); deeper, "### Restore Procedures" is one procedure. */
const TOP_CONTAINER = /\b(operations|tasks|procedures)\b/i;
/** Titles that name a procedure by what it does. */
const PROCEDURE_TITLE = /\b(restore|rollback|roll back|failover|fail over|recovery|recover|drill|restart|upgrade|migration|migrate|backups?|shutdown|startup|procedures?|steps|runbook)\b/i;
/** The runbook's own id at the start of a heading: `RB-001: High Projection Lag`. */
const OWN_ID = /^([A-Z][A-Z0-9]{0,9}-\d+[A-Z0-9]*)\s*[:.—–-]?\s*/;
const NUMBERED = /^(scenario|runbook|playbook|procedure|incident|case)\s+#?\d+\b/i;

export interface ProcedureSection {
  section: SectionNode;
  ownId: string | undefined;
}

/** A bold label at the section's top level that opens a phase. */
function hasPhaseLabel(tokens: Token[], s: SectionNode, reader: PhaseReader): boolean {
  for (let i = s.bodyStart + 1; i < s.ownEnd; i++) {
    const t = tokens[i]!;
    if (t.type === 'inline' && t.level === 1 && tokens[i - 1]!.type === 'paragraph_open' && reader.of(boldLabel(t)?.label ?? '') !== undefined) return true;
  }
  return false;
}

/** Sub-sections that are mostly phases (notes such as "Related alerts" not counted). */
function hasPhaseChildren(s: SectionNode, reader: PhaseReader): boolean {
  // Two phases at least: most sections have fewer sub-sections than that, and are not asked about their titles.
  if (s.children.length < 2) return false;
  let phases = 0;
  const children = s.children;
  for (let k = 0; k < children.length; k++) {
    // The children left cannot make two phases: their titles need not be read.
    if (phases + children.length - k < 2) return false;
    if (reader.of(children[k]!.title) !== undefined) phases++;
  }
  if (phases < 2) return false;
  let notes = 0;
  for (const c of s.children) if (reader.isNote(c.title)) notes++;
  return phases * 2 >= s.children.length - notes;
}

function hasSteps(tokens: Token[], s: SectionNode): boolean {
  for (let i = s.bodyStart; i < s.end; i++) if (isCodeToken(tokens[i]!) || tokens[i]!.type === 'ordered_list_open') return true;
  return false;
}

function isContainer(s: SectionNode): boolean {
  // A heading with no sections under it groups nothing: "### Emergency Shutdown" with a block is a procedure.
  if (s.level < 2 || s.children.length === 0 || OWN_ID.test(s.title) || NUMBERED.test(s.title)) return false;
  return CONTAINER.test(s.title) || (s.level === 2 && TOP_CONTAINER.test(s.title));
}

/**
 * Which sections are procedures. Strong signs: the runbook's own id or a numbered scenario in
 * the heading, phase labels (`**Symptoms:**`, `**Diagnosis:**`) or phase sub-headings (Meaning /
 * Impact / Diagnosis / Mitigation). Weaker signs, used only where no strong one is found in the
 * subtree: sitting under a heading that groups situations (Troubleshooting, Emergency
 * Procedures…), or a title that names a procedure (Restore, Rollback, Failover…), with steps.
 * A procedure's sub-sections are its phases or steps, never procedures of their own.
 */
export function findProcedureSections(tokens: Token[], roots: SectionNode[], reader: PhaseReader = DEFAULT_PHASES): ProcedureSection[] {
  const strong = new Set<SectionNode>();
  const weak = new Set<SectionNode>();
  for (const s of walkSections(roots)) {
    if (OWN_ID.test(s.title) || NUMBERED.test(s.title) || hasPhaseLabel(tokens, s, reader) || hasPhaseChildren(s, reader)) strong.add(s);
    // The look at every token of the subtree last: most sections are ruled out by their titles.
    else if (!isContainer(s) && ((s.parent && isContainer(s.parent)) || (s.level >= 3 && PROCEDURE_TITLE.test(s.title))) && hasSteps(tokens, s)) weak.add(s);
  }
  const hasStrongBelow = (s: SectionNode): boolean => s.children.some((c) => strong.has(c) || hasStrongBelow(c));
  const out: ProcedureSection[] = [];
  const visit = (nodes: SectionNode[]): void => {
    for (const s of nodes) {
      if (strong.has(s) || (weak.has(s) && !hasStrongBelow(s))) {
        out.push({ section: s, ownId: OWN_ID.exec(s.title)?.[1] });
        continue;
      }
      visit(s.children);
    }
  };
  visit(roots);
  return out;
}

/**
 * A page that is one procedure with no heading above its phases: the title in front matter, or
 * no H1, and Meaning / Diagnosis / Mitigation as top-level headings or labels. The whole document
 * is the procedure then, known by `title`.
 */
export function wholeDocumentProcedure(tokens: Token[], roots: SectionNode[], title: string, lineCount: number, reader: PhaseReader = DEFAULT_PHASES): SectionNode | undefined {
  const first = roots[0]?.start ?? tokens.length;
  const line = (tokens.find((t) => t.map)?.map?.[0] ?? 0) + 1;
  const doc: SectionNode = { title, level: 0, line, endLine: lineCount, anchor: '', empty: false, children: roots, parent: undefined, start: 0, bodyStart: 0, end: tokens.length, ownEnd: first };
  return hasPhaseChildren(doc, reader) || hasPhaseLabel(tokens, doc, reader) ? doc : undefined;
}

/** The title without the runbook's own id prefix. */
export function titleWithoutId(title: string): string {
  return title.replace(OWN_ID, '').trim() || title;
}

export function slug(text: string): string {
  const l = text.toLowerCase();
  // ASCII text is its own NFKD form, and its letters and digits are the ASCII ones.
  const dashed = NON_ASCII.test(l) ? l.normalize('NFKD').replace(/[^\p{L}\p{N}]+/gu, '-') : l.replace(/[^a-z0-9]+/g, '-');
  return dashed.replace(/^-+|-+$/g, '') || 'procedure';
}

import type { PhaseKind, Step } from './model.js';
import { speedups } from './speedups.js';

/** What a heading or bold label says about the phase it opens. */
export interface PhaseLabel {
  kind: PhaseKind;
  /** Further phases the label names ("Diagnosis and mitigation" → diagnosis, also resolution). */
  also: PhaseKind[];
  /**
   * True for labels that name a list of steps without saying what kind ("Procedure:",
   * "Immediate Actions:"): their steps are sorted into phases by what each one does.
   */
  generic: boolean;
}

/**
 * Extra words for the phases, from the config (`runbooks.phases`): each key a phase kind or
 * `notes`, each value headings or labels (matched whole, case-insensitively, after numbering and
 * punctuation are dropped).
 */
export type PhaseVocabulary = Partial<Record<PhaseKind | 'notes', readonly string[]>>;

const RULES: [PhaseKind, RegExp][] = [
  ['symptoms', /^(symptoms?( observed)?|signs?( and symptoms)?|meaning|when|triggers?|trigger conditions?|overview|description|what (it|this) means|what you see|indicators?|alert description|summary)$/],
  ['impact', /^((business|user|customer|service) )?impact$/],
  ['diagnosis', /^(diagnos[ei]s( steps)?|diagnostics?|investigat(e|ion|ing)( steps)?|troubleshoot(ing)?( steps)?|triage|root cause( analysis)?|debug(ging)?|detection|(identify|check|assess|review|inspect|investigate|determine|find) .+)$/],
  ['resolution', /^(resolution( steps)?|resol(ve|ving)|solutions?|fix(es|ing)?|remediat(e|ing|ion)( steps)?|recovery( steps| procedure)?|recover(ing)?|mitigat(e|ing|ion)( steps)?|workarounds?|(possible|potential|suggested|recommended) (resolutions?|solutions?|fixes|remediations?|mitigations?|actions?)( steps)?|common (issues|causes|fixes)|known issues|corrective actions?|how to (fix|resolve|mitigate))$/],
  ['verification', /(^|\s)(verif(y|ying|ication)|validat(e|ion)|confirm(ation)?|expected results?|smoke tests?)(\s|$)/],
  ['rollback', /^(roll ?back|revert|undo|back ?out)( .*)?$/],
  ['prevention', /^(prevention|preventive measures|prevent( .+)?|follow[- ]?ups?|long[- ]term( fix(es)?)?|lessons learned|action items)$/],
  ['post-incident', /^(post[- ]?incident( review| actions| steps)?|post[- ]?mortem|after the incident|retrospective|incident review)$/],
  ['escalation', /^(escalat(e|ion)( path| policy| steps| contacts)?|contacts?|who to (call|contact)|if (this|that|it|nothing) (fails|works)|if unresolved)$/],
];

const GENERIC: [PhaseKind, RegExp][] = [
  ['resolution', /^(immediate (actions?|steps|response)|actions?( to take)?|first steps|response actions?)$/],
  ['steps', /^(procedure|response procedure|procedure steps|steps|instructions|what to do|runbook|(maintenance|migration|restore|deployment|upgrade) (steps|procedure)|how to)$/],
];

/**
 * Any of the rules above: most labels name no phase, and one look tells so. The rules anchored at
 * the label's start are one pattern, tried at its start only; the others (verification words
 * anywhere) another, so the first is not tried at every position of the label.
 */
const ALL_RULES = [...GENERIC, ...RULES].map(([, re]) => re.source);
const ANCHORED_RULE = new RegExp(ALL_RULES.filter((s) => s.startsWith('^')).map((s) => `(?:${s})`).join('|'));
const OTHER_RULE = new RegExp(ALL_RULES.filter((s) => !s.startsWith('^')).map((s) => `(?:${s})`).join('|') || '(?!)');

function anyRule(l: string): boolean {
  return ANCHORED_RULE.test(l) || OTHER_RULE.test(l);
}

/** Headings whose content is reference, not steps. */
const NOTES = /^(notes?|additional (resources|information|notes|context|reading)|related( (alerts?|runbooks?|links|dashboards?|docs|documentation))?|references?|see also|links|resources|useful links|further reading|dashboards?|background|faq|context|owners?|ownership|changelog|history)$/;

/** "Diagnosis and mitigation", "Investigation & Triage", "Symptoms / Impact". */
const JOINED = /\s*(?:\band\b|&|\/|\+|,)\s*/;

/** Whether `JOINED` can match: the label holds `and`, `&`, `/`, `+` or `,` (most hold none, and the pattern tries every position). */
function mayBeJoined(l: string): boolean {
  return l.includes('and') || l.includes('&') || l.includes('/') || l.includes('+') || l.includes(',');
}

/** The phase vocabulary: the built-in words and those the config adds. */
export class PhaseReader {
  private readonly extra: Map<string, PhaseKind | 'notes'>;

  /** The built-in words and `vocabulary`'s, or the same words as another reader. */
  constructor(vocabulary: PhaseVocabulary | PhaseReader = {}) {
    if (vocabulary instanceof PhaseReader) {
      this.extra = vocabulary.extra;
      return;
    }
    this.extra = new Map();
    for (const [kind, labels] of Object.entries(vocabulary) as [PhaseKind | 'notes', readonly string[]][]) {
      for (const l of labels) this.extra.set(normaliseLabel(l), kind);
    }
  }

  /** The phase (or phases) a heading or bold label opens, or undefined when it names none. */
  of(label: string): PhaseLabel | undefined {
    const l = this.normal(label);
    if (!l || wordCount(l) > 6) return undefined;
    const one = this.single(l);
    if (one || !mayBeJoined(l) || !JOINED.test(l)) return one;
    const parts = l.split(JOINED).filter((p) => p !== '').map((p) => this.single(p));
    if (parts.length < 2 || parts.some((p) => !p || p.generic)) return undefined;
    const kinds = [...new Set(parts.map((p) => p!.kind))];
    return { kind: kinds[0]!, also: kinds.slice(1), generic: false };
  }

  /** True for headings that hold notes, links or references rather than steps. */
  isNote(label: string): boolean {
    const l = this.normal(label);
    return this.extra.get(l) === 'notes' || (!this.extra.has(l) && NOTES.test(l));
  }

  /** A label as the vocabulary is matched against it. */
  protected normal(label: string): string {
    return normaliseLabel(label);
  }

  private single(l: string): PhaseLabel | undefined {
    const extra = this.extra.get(l);
    if (extra === 'notes') return undefined;
    if (extra) return { kind: extra, also: [], generic: extra === 'steps' };
    if (wordCount(l) > 5) return undefined;
    if (speedups().prechecks && !anyRule(l)) return undefined;
    for (const [kind, re] of GENERIC) if (re.test(l)) return { kind, also: [], generic: true };
    for (const [kind, re] of RULES) if (re.test(l)) return { kind, also: [], generic: false };
    return undefined;
  }
}

/** The built-in vocabulary. */
export const DEFAULT_PHASES = new PhaseReader();

/**
 * A reader's vocabulary for one document: a heading or label is asked about several times while
 * its procedures and phases are found (is it a phase, a note, under which parent), so each answer
 * is kept for the rest of the document, and for nothing after it.
 */
export class DocumentPhases extends PhaseReader {
  /** Each label's phase, `null` when it names none: one lookup answers both. */
  private readonly phases = new Map<string, PhaseLabel | null>();
  private readonly notes = new Map<string, boolean>();
  /** Labels normalised: a heading is asked both whether it is a phase and whether it is a note. */
  private readonly normals = new Map<string, string>();

  protected override normal(label: string): string {
    let l = this.normals.get(label);
    if (l === undefined) {
      l = normaliseLabel(label);
      this.normals.set(label, l);
    }
    return l;
  }

  override of(label: string): PhaseLabel | undefined {
    let p = this.phases.get(label);
    if (p === undefined) {
      p = super.of(label) ?? null;
      this.phases.set(label, p);
    }
    return p ?? undefined;
  }

  override isNote(label: string): boolean {
    let n = this.notes.get(label);
    if (n === undefined) {
      n = super.isNote(label);
      this.notes.set(label, n);
    }
    return n;
  }
}

/** Lower case, numbering and parentheticals dropped: `**2. Diagnosis Steps (quick):**` → `diagnosis steps`. */
export function normaliseLabel(label: string): string {
  if (label === '') return '';
  // Each step runs only where its pattern can match: labels are read for every heading and paragraph.
  let l = label.toLowerCase();
  // Most labels are ASCII words and single spaces: one look at their characters tells that none of
  // the steps but the last two can change them.
  if (plainAscii(l)) return (endsInPunctuation(l) ? l.replace(/[:.!]+\s*$/, '') : l).trim();
  if (l.includes('(')) l = l.replace(/\(.*?\)/g, ' ');
  if (DIGIT.test(l)) l = l.replace(/^\s*(step\s*)?\d+[.):]?\s*/, '').replace(/^\s*\[\d+\/\d+\]\s*/, '');
  if (endsInPunctuation(l)) l = l.replace(/[:.!]+\s*$/, '');
  if (MARKUP.test(l)) l = l.replace(/[*_`]/g, '');
  if (SPACE_TO_SQUEEZE.test(l)) l = l.replace(/\s+/g, ' ');
  return l.trim();
}

const DIGIT = /\d/;

/**
 * ASCII with no `(`, digit, markup character (`*`, `_`, `` ` ``) or whitespace but single plain
 * spaces: text on which the parenthesis, numbering, markup and whitespace steps of
 * `normaliseLabel` find nothing to change.
 */
function plainAscii(l: string): boolean {
  let space = false;
  for (let i = 0; i < l.length; i++) {
    const c = l.charCodeAt(i);
    if (c === 32) {
      if (space) return false;
      space = true;
      continue;
    }
    space = false;
    if (c < 33 || c > 126 || c === 40 || (c >= 48 && c <= 57) || c === 42 || c === 95 || c === 96) return false;
  }
  return true;
}

/** Whether the last character before trailing blanks is `:`, `.` or `!`: only then is there any to drop. */
function endsInPunctuation(l: string): boolean {
  const t = l.trimEnd();
  const c = t.charCodeAt(t.length - 1);
  return c === 58 || c === 46 || c === 33;
}
const MARKUP = /[*_`]/;
/** Whitespace that `\s+ → ' '` would change: a run of two, or any but a plain space. */
const SPACE_TO_SQUEEZE = /\s\s|[^\S ]/;

/** Words of a normalised label (single spaces): `split(' ').length` without the array. */
function wordCount(l: string): number {
  let n = 1;
  for (let i = l.indexOf(' '); i >= 0; i = l.indexOf(' ', i + 1)) n++;
  return n;
}

/** The phase a heading or bold label opens in the built-in vocabulary, or undefined when it names none. */
export function phaseOf(label: string): PhaseLabel | undefined {
  return DEFAULT_PHASES.of(label);
}

/** Whether a phase is of a kind, counting the further kinds its label names. */
export function phaseIs(phase: { kind: PhaseKind; also?: PhaseKind[] }, kind: PhaseKind): boolean {
  return phase.kind === kind || (phase.also?.includes(kind) ?? false);
}

/** Verbs that start a step which only looks: "Check worker logs", "Review recent deployments". */
const LOOKING = /^(check|verify|review|inspect|identify|assess|look|find|list|view|monitor|investigate|examine|determine|measure|query|watch|show|get|describe|analy[sz]e|confirm|see|observe|compare|test)\b/;

/**
 * The phase a step of a generic list belongs to: a label that names a phase, a verb that only
 * looks, or blocks that only read; otherwise the list's own kind.
 */
export function stepKind(step: Step, fallback: PhaseKind, phases: PhaseReader = DEFAULT_PHASES): PhaseKind {
  const text = normaliseLabel(step.text);
  const words = wordCount(text);
  const named = words <= 4 ? phases.of(text) : undefined;
  // "Verify" or "Verify Recovery" names a verification; "Verify network connectivity" in a list of checks is a check.
  if (named && !(named.kind === 'verification' && words > 2)) return named.generic ? (named.kind === 'steps' ? fallback : named.kind) : named.kind;
  if (LOOKING.test(text)) return 'diagnosis';
  if (!text && step.blocks.length > 0 && step.blocks.every((b) => b.effect === 'read' && b.commands.length > 0)) return 'diagnosis';
  return fallback;
}

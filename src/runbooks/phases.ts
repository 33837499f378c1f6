import type { PhaseKind, Step } from './model.js';

/** What a heading or bold label says about the phase it opens. */
export interface PhaseLabel {
  kind: PhaseKind;
  /**
   * True for labels that name a list of steps without saying what kind ("Procedure:",
   * "Immediate Actions:"): their steps are sorted into phases by what each one does.
   */
  generic: boolean;
}

const RULES: [PhaseKind, RegExp][] = [
  ['symptoms', /^(symptoms?( observed)?|signs?( and symptoms)?|meaning|when|triggers?|trigger conditions?|overview|description|what (it|this) means|what you see|indicators?|alert description)$/],
  ['impact', /^((business|user|customer|service) )?impact$/],
  ['diagnosis', /^(diagnos[ei]s( steps)?|diagnostics?|investigat(e|ion)( steps)?|troubleshoot(ing)?( steps)?|triage|root cause( analysis)?|debug(ging)?|detection|(identify|check|assess|review|inspect|investigate|determine|find) .+)$/],
  ['resolution', /^(resolution( steps)?|resolve|solutions?|fix(es)?|remediation( steps)?|recovery( steps| procedure)?|recover|mitigation( steps)?|mitigate|workarounds?|possible (resolutions?|solutions?|fixes)|common (issues|causes|fixes)|known issues|corrective actions?|how to fix)$/],
  ['verification', /(^|\s)(verif(y|ication)|validat(e|ion)|confirm(ation)?|expected results?|smoke tests?)(\s|$)/],
  ['rollback', /^(roll ?back|revert|undo|back ?out)( .*)?$/],
  ['prevention', /^(prevention|preventive measures|prevent( .+)?|follow[- ]?ups?|long[- ]term( fix(es)?)?|lessons learned|action items)$/],
  ['post-incident', /^(post[- ]?incident( review| actions| steps)?|post[- ]?mortem|after the incident|retrospective|incident review)$/],
  ['escalation', /^(escalat(e|ion)( path| policy| steps| contacts)?|contacts?|who to (call|contact)|if (this|that|it|nothing) (fails|works)|if unresolved)$/],
];

const GENERIC: [PhaseKind, RegExp][] = [
  ['resolution', /^(immediate (actions?|steps|response)|actions?( to take)?|first steps|response actions?)$/],
  ['steps', /^(procedure|response procedure|procedure steps|steps|instructions|what to do|runbook|(maintenance|migration|restore|deployment|upgrade) (steps|procedure)|how to)$/],
];

/** Lower case, numbering and parentheticals dropped: `**2. Diagnosis Steps (quick):**` → `diagnosis steps`. */
export function normaliseLabel(label: string): string {
  return label
    .toLowerCase()
    .replace(/\(.*?\)/g, ' ')
    .replace(/^\s*(step\s*)?\d+[.):]?\s*/, '')
    .replace(/^\s*\[\d+\/\d+\]\s*/, '')
    .replace(/[:.!]+\s*$/, '')
    .replace(/[*_`]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Words of a normalised label (single spaces): `split(' ').length` without the array. */
function wordCount(l: string): number {
  let n = 1;
  for (let i = l.indexOf(' '); i >= 0; i = l.indexOf(' ', i + 1)) n++;
  return n;
}

/** The phase a heading or bold label opens, or undefined when it names none. */
export function phaseOf(label: string): PhaseLabel | undefined {
  const l = normaliseLabel(label);
  if (!l || wordCount(l) > 5) return undefined;
  for (const [kind, re] of GENERIC) if (re.test(l)) return { kind, generic: true };
  for (const [kind, re] of RULES) if (re.test(l)) return { kind, generic: false };
  return undefined;
}

/** Verbs that start a step which only looks: "Check worker logs", "Review recent deployments". */
const LOOKING = /^(check|verify|review|inspect|identify|assess|look|find|list|view|monitor|investigate|examine|determine|measure|query|watch|show|get|describe|analy[sz]e|confirm|see|observe|compare|test)\b/;

/**
 * The phase a step of a generic list belongs to: a label that names a phase, a verb that only
 * looks, or blocks that only read; otherwise the list's own kind.
 */
export function stepKind(step: Step, fallback: PhaseKind): PhaseKind {
  const text = normaliseLabel(step.text);
  const words = wordCount(text);
  const named = words <= 4 ? phaseOf(text) : undefined;
  // "Verify" or "Verify Recovery" names a verification; "Verify network connectivity" in a list of checks is a check.
  if (named && !(named.kind === 'verification' && words > 2)) return named.generic ? (named.kind === 'steps' ? fallback : named.kind) : named.kind;
  if (LOOKING.test(text)) return 'diagnosis';
  if (!text && step.blocks.length > 0 && step.blocks.every((b) => b.effect === 'read' && b.commands.length > 0)) return 'diagnosis';
  return fallback;
}

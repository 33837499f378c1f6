import { boldLabel, lineOf, PlainTexts, type Token } from './markdown.js';
import type { CodeBlock, Phase, PhaseKind, Step } from './model.js';
import { DEFAULT_PHASES, stepKind, type PhaseLabel, type PhaseReader } from './phases.js';
import type { SectionNode } from './sections.js';

interface Draft extends Phase {
  generic: boolean;
  /** Every kind the label names, when it names more than one. */
  kinds: PhaseKind[];
}

/**
 * Phases and steps of one procedure, read in document order. Phase labels and phase headings
 * open phases; list items at the top of a phase, sub-headings and stand-alone bold labels open
 * steps; a code block belongs to the step it follows (or sits in), or to a step of its own.
 * A heading that names no phase is a note, not a step, when it sits at the level of the phase
 * headings or its title says so ("Notes", "Related alerts"): what it holds is left out.
 */
export function readPhases(tokens: Token[], section: SectionNode, blockAt: (line: number) => CodeBlock | undefined, reader: PhaseReader = DEFAULT_PHASES, texts = new PlainTexts(tokens)): Phase[] {
  const d = new Drafts();
  let listDepth = 0;
  let itemOpen = false;
  /** Level of the heading that opened the current phase (undefined for a bold label). */
  let phaseLevel: number | undefined;
  /** Level of the note heading being skipped. */
  let noteLevel: number | undefined;

  for (let i = section.bodyStart; i < section.end; i++) {
    const t = tokens[i]!;
    const level = t.type === 'heading_open' ? Number(t.tag.slice(1)) : 0;
    if (noteLevel !== undefined && !(level > 0 && level <= noteLevel)) continue;
    switch (t.type) {
      case 'heading_open': {
        const title = texts.at(i + 1);
        const p = reader.of(title);
        noteLevel = undefined;
        if (p) {
          d.openPhase(p, title, lineOf(t));
          phaseLevel = level;
        } else if (reader.isNote(title) || (phaseLevel !== undefined && level <= phaseLevel)) {
          noteLevel = level;
          d.phase = undefined;
          d.step = undefined;
        } else d.openStep(title, lineOf(t));
        i += 2;
        break;
      }
      case 'bullet_list_open':
      case 'ordered_list_open':
        listDepth++;
        break;
      case 'bullet_list_close':
      case 'ordered_list_close':
        listDepth--;
        break;
      case 'list_item_open':
        if (listDepth === 1) {
          const text = tokens[i + 2]?.type === 'inline' ? texts.at(i + 2) : '';
          // A task-list box (`[ ]`, `[x]`) is dropped; most items have none, and the pattern is not run on them.
          d.openStep(text.charCodeAt(0) === 91 ? text.replace(/^\[[ xX]\]\s+/, '') : text, lineOf(t));
          itemOpen = true;
        }
        break;
      case 'list_item_close':
        if (listDepth === 1) itemOpen = false;
        break;
      case 'paragraph_open': {
        if (listDepth > 0) break;
        const inline = tokens[i + 1];
        const label = boldLabel(inline);
        const p = label ? reader.of(label.label) : undefined;
        if (label && p) {
          d.openPhase(p, label.label, lineOf(t));
          phaseLevel = undefined;
          if (label.rest) d.openStep(label.rest, lineOf(t));
        } else if (label && !label.rest) {
          d.openStep(label.label, lineOf(t));
        } else {
          // Prose between steps (a "**Careful:** …" note included) introduces the next block.
          d.step = undefined;
          d.pending = i + 1;
        }
        break;
      }
      case 'fence':
      case 'code_block': {
        const block = blockAt(lineOf(t));
        if (!block) break;
        const intro = d.pending !== undefined ? texts.at(d.pending) : '';
        let step = d.step;
        if (!step || (!itemOpen && listDepth === 0 && step.blocks.length > 0 && intro)) step = d.openStep(intro, lineOf(t));
        step.blocks.push(block);
        d.pending = undefined;
        break;
      }
      default:
        break;
    }
  }
  return sortGeneric(d.phases.filter((p) => p.steps.length > 0 || !p.generic), reader);
}

/** The phases and steps of one procedure as they are read, and where the reading stands. */
class Drafts {
  readonly phases: Draft[] = [];
  phase: Draft | undefined;
  step: Step | undefined;
  /** Where the prose paragraph that introduces the next block stands; its text is read only when a block follows. */
  pending: number | undefined;

  openPhase(p: PhaseLabel | { kind: PhaseKind; also: PhaseKind[]; generic: boolean }, label: string, line: number): void {
    const phase: Draft = { kind: p.kind, label, line, steps: [], generic: p.generic || p.also.length > 0, kinds: [p.kind, ...p.also] };
    this.phase = phase;
    this.phases.push(phase);
    this.step = undefined;
    this.pending = undefined;
  }

  openStep(text: string, line: number): Step {
    if (!this.phase) this.openPhase({ kind: 'steps', also: [], generic: true }, '', line);
    const step: Step = { text, line, blocks: [] };
    this.step = step;
    this.phase!.steps.push(step);
    return step;
  }
}

/**
 * Steps of a generic phase ("Procedure:") regrouped into the phases their contents show. A label
 * that names several phases ("Diagnosis and mitigation") sorts its steps the same way among the
 * phases it names: a step that only looks is diagnosis, the others the label's other phase.
 */
function sortGeneric(drafts: Draft[], reader: PhaseReader): Phase[] {
  const out: Phase[] = [];
  for (const d of drafts) {
    if (!d.generic) {
      out.push({ kind: d.kind, label: d.label, line: d.line, steps: d.steps });
      continue;
    }
    const mixed = d.kinds.length > 1;
    const fallback = mixed ? (d.kinds.find((k) => k !== 'diagnosis') ?? d.kind) : d.kind;
    if (mixed && d.steps.length === 0) {
      out.push({ kind: d.kind, label: d.label, also: d.kinds.slice(1), line: d.line, steps: [] });
      continue;
    }
    let current: Phase | undefined;
    for (const s of d.steps) {
      let kind = stepKind(s, fallback, reader);
      if (mixed && !d.kinds.includes(kind)) kind = fallback;
      if (!current || current.kind !== kind) {
        current = { kind, label: current && !mixed ? '' : d.label, line: current ? s.line : d.line, steps: [] };
        if (mixed) current.also = d.kinds.filter((k) => k !== kind);
        out.push(current);
      }
      current.steps.push(s);
    }
  }
  return out;
}

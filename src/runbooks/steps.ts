import { boldLabel, lineOf, plainText, type Token } from './markdown.js';
import type { CodeBlock, Phase, PhaseKind, Step } from './model.js';
import { phaseOf, stepKind } from './phases.js';
import type { SectionNode } from './sections.js';

interface Draft extends Phase {
  generic: boolean;
}

/**
 * Phases and steps of one procedure, read in document order. Phase labels and phase headings
 * open phases; list items at the top of a phase, sub-headings and stand-alone bold labels open
 * steps; a code block belongs to the step it follows (or sits in), or to a step of its own.
 */
export function readPhases(tokens: Token[], section: SectionNode, blockAt: (line: number) => CodeBlock | undefined): Phase[] {
  const phases: Draft[] = [];
  let phase: Draft | undefined;
  let step: Step | undefined;
  let pending = '';
  let listDepth = 0;
  let itemOpen = false;

  const openPhase = (kind: PhaseKind, label: string, line: number, generic: boolean): void => {
    phase = { kind, label, line, steps: [], generic };
    phases.push(phase);
    step = undefined;
    pending = '';
  };
  const openStep = (text: string, line: number): Step => {
    if (!phase) openPhase('steps', '', line, true);
    step = { text, line, blocks: [] };
    phase!.steps.push(step);
    return step;
  };

  for (let i = section.bodyStart; i < section.end; i++) {
    const t = tokens[i]!;
    switch (t.type) {
      case 'heading_open': {
        const title = plainText(tokens[i + 1]);
        const p = phaseOf(title);
        if (p) openPhase(p.kind, title, lineOf(t), p.generic);
        else openStep(title, lineOf(t));
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
          const inline = tokens[i + 2]?.type === 'inline' ? tokens[i + 2] : undefined;
          openStep(plainText(inline).replace(/^\[[ xX]\]\s+/, ''), lineOf(t));
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
        const p = label ? phaseOf(label.label) : undefined;
        if (label && p) {
          openPhase(p.kind, label.label, lineOf(t), p.generic);
          if (label.rest) openStep(label.rest, lineOf(t));
        } else if (label && !label.rest) {
          openStep(label.label, lineOf(t));
        } else if (!label) {
          // Prose between steps introduces the next block.
          step = undefined;
          pending = plainText(inline);
        }
        break;
      }
      case 'fence':
      case 'code_block': {
        const block = blockAt(lineOf(t));
        if (!block) break;
        if (!step || (!itemOpen && listDepth === 0 && step.blocks.length > 0 && pending)) openStep(pending, lineOf(t));
        step!.blocks.push(block);
        pending = '';
        break;
      }
      default:
        break;
    }
  }
  return sortGeneric(phases.filter((p) => p.steps.length > 0 || !p.generic));
}

/** Steps of a generic phase ("Procedure:") regrouped into the phases their contents show. */
function sortGeneric(drafts: Draft[]): Phase[] {
  const out: Phase[] = [];
  for (const d of drafts) {
    if (!d.generic) {
      out.push({ kind: d.kind, label: d.label, line: d.line, steps: d.steps });
      continue;
    }
    let current: Phase | undefined;
    for (const s of d.steps) {
      const kind = stepKind(s, d.kind);
      if (!current || current.kind !== kind) {
        current = { kind, label: current ? '' : d.label, line: current ? s.line : d.line, steps: [] };
        out.push(current);
      }
      current.steps.push(s);
    }
  }
  return out;
}

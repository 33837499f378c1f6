import type { Command, Effect, Target } from '../model.js';
import { classifyBlock } from './block.js';

export { classifyBlock, type BlockClassification } from './block.js';
export { worse, worst } from './effect.js';

/**
 * Classify a single command line in a given language (default: shell). Returns the first
 * command's verdict, or the combined verdict when the text holds several.
 */
export function classifyCommand(text: string, language = 'bash'): { effect: Effect; reasons: string[]; target: Target; placeholders: string[]; commands: Command[] } {
  const b = classifyBlock(text, language, 1);
  return { effect: b.effect, reasons: b.reasons, target: b.target, placeholders: b.placeholders, commands: b.commands };
}

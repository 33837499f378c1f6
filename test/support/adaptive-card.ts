/**
 * Checks an Adaptive Card the way Microsoft's own renderer reads it. No registry package ships the
 * Adaptive Card JSON schema for 1.4 (`adaptivecards` ships none; `adaptivecards-designer` embeds
 * only the 1.0 schema), so the card is parsed by `adaptivecards` — the reference JavaScript
 * renderer — with its serialization context set to the version the card declares: an element or
 * action type that version does not know, or a property added in a later version, is reported,
 * as is a required property left out (an `Action.OpenUrl` without `url`).
 */
import { createRequire } from 'node:module';

interface ValidationEvent {
  event: number;
  message: string;
}
interface AdaptiveCards {
  AdaptiveCard: new () => { parse(json: unknown, context: unknown): void; validateProperties(): { validationEvents: ValidationEvent[] }; version: { toString(): string } };
  SerializationContext: new (version: unknown) => { eventCount: number; getEventAt(i: number): ValidationEvent };
  Versions: Record<string, unknown>;
  ValidationEvent: Record<number, string>;
}

// The package's `main` is an ES module build Node cannot resolve; its UMD bundle loads as is.
const AC = createRequire(import.meta.url)('adaptivecards/dist/adaptivecards.js') as AdaptiveCards;

/** The problems the renderer finds in `card` read at its declared `version` (empty: valid). */
export function adaptiveCardProblems(card: object): string[] {
  const v = (card as { version?: unknown }).version;
  const declared = typeof v === 'string' ? v : undefined;
  if (!declared) return ['the card declares no version'];
  const version = /^\d+\.\d+$/.test(declared) ? AC.Versions[`v${declared.replace('.', '_')}`] : undefined;
  if (!version) return [`version ${declared} is not one the renderer knows`];
  const context = new AC.SerializationContext(version);
  const parsed = new AC.AdaptiveCard();
  parsed.parse(card, context);
  const problems: string[] = [];
  for (let i = 0; i < context.eventCount; i++) {
    const e = context.getEventAt(i);
    problems.push(`${AC.ValidationEvent[e.event]}: ${e.message}`);
  }
  for (const e of parsed.validateProperties().validationEvents) problems.push(`${AC.ValidationEvent[e.event]}: ${e.message}`);
  if (parsed.version.toString() !== declared) problems.push(`read as version ${parsed.version.toString()}, declared ${declared}`);
  return problems;
}

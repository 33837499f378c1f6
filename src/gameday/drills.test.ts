import { describe, expect, it } from 'vitest';
import { findSuppression } from '../incidents/index.js';
import { drillWindow } from './drills.js';

const START = Date.UTC(2026, 11, 7, 9);
const MINUTE = 60_000;

describe('the maintenance drill\'s window', () => {
  const heldAt = (window: ReturnType<typeof drillWindow>, labels: Record<string, string>) => findSuppression(labels, START + MINUTE, [window], [])?.id;

  it('holds the pages of its game day\'s system only, so a game day cannot hold those of an unrelated incident', () => {
    const window = drillWindow('apex', { scenario: 'pool-exhausted', minutes: 5 }, START, START + 5 * MINUTE);
    expect(heldAt(window, { service: 'apex', severity: 'P1' })).toBe(window.id);
    expect(heldAt(window, { service: 'billing', severity: 'P1' })).toBeUndefined();
    expect(heldAt(window, { severity: 'P1' })).toBeUndefined();
  });

  it('is narrowed by the drill\'s matchers when it names them, as its silence is', () => {
    const window = drillWindow('apex', { scenario: 'pool-exhausted', minutes: 5, matchers: [{ label: 'queue', value: 'emails' }] }, START, START + 5 * MINUTE);
    expect(heldAt(window, { service: 'apex', queue: 'emails' })).toBe(window.id);
    expect(heldAt(window, { service: 'apex', queue: 'reports' })).toBeUndefined();
    expect(heldAt(window, { service: 'billing' })).toBeUndefined();
  });
});

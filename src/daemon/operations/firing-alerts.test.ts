import { describe, expect, it } from 'vitest';
import { FiringAlerts } from './firing-alerts.js';

describe('FiringAlerts', () => {
  it('knows a repeat at the same severity within the window only', () => {
    const f = new FiringAlerts(60_000);
    f.remember('k1', 'INC-1', 'P2', 1_000);
    expect(f.isKnown('k1', 'P2', 30_000)).toBe(true);
    expect(f.isKnown('k1', 'P1', 30_000)).toBe(false);
    expect(f.isKnown('k1', 'P2', 61_000)).toBe(false);
    expect(f.isKnown('k2', 'P2', 30_000)).toBe(false);
  });

  it('forgets every key of an incident, and only those', () => {
    const f = new FiringAlerts(60_000);
    f.remember('a', 'INC-1', 'P2', 0);
    f.remember('b', 'INC-1', 'P3', 0);
    f.remember('c', 'INC-2', 'P2', 0);
    f.forgetIncident('INC-1');
    expect(f.isKnown('a', 'P2', 1)).toBe(false);
    expect(f.isKnown('b', 'P3', 1)).toBe(false);
    expect(f.isKnown('c', 'P2', 1)).toBe(true);
    expect(f.size).toBe(1);
  });

  it('moves a key that joins another incident', () => {
    const f = new FiringAlerts(60_000);
    f.remember('a', 'INC-1', 'P2', 0);
    f.remember('a', 'INC-2', 'P2', 0);
    f.forgetIncident('INC-1');
    expect(f.isKnown('a', 'P2', 1)).toBe(true);
    f.forgetKey('a');
    expect(f.isKnown('a', 'P2', 1)).toBe(false);
    expect(f.size).toBe(0);
  });
});

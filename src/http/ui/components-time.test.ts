/** Times on the pages: short durations rounded once (no "60m" or "1h 60m"), the incident page's ticking clock saying what the server said, timeline instants to the second. */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { duration, whenSecond } from './components.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

/** The `span` of the incident page's script (static/incident.js), which ticks the clocks the server rendered with `duration`. */
function pageSpan(): (ms: number) => string {
  const source = readFileSync(new URL('./static/incident.js', import.meta.url), 'utf8');
  const body = /function span\(ms\) \{[\s\S]*?\n {2}\}/.exec(source)?.[0];
  if (!body) throw new Error('static/incident.js has no function span(ms)');
  return new Function(`${body}; return span;`)() as (ms: number) => string;
}

describe('duration on the pages', () => {
  it('carries a rounded unit into the next instead of printing 60 of it', () => {
    expect(duration(59 * M + 40 * S)).toBe('59m 40s');
    expect(duration(59 * M + 59.6 * S)).toBe('1h 0m');
    expect(duration(H + 59 * M + 40 * S)).toBe('2h 0m');
    expect(duration(D + 23 * H + 40 * M)).toBe('2d 0h');
  });

  it('keeps the seconds under an hour, so "acknowledged after 15m 20s" is not "15m" beside a missed 15m target', () => {
    expect(duration(24 * S)).toBe('24s');
    expect(duration(15 * M)).toBe('15m');
    expect(duration(15 * M + 20 * S)).toBe('15m 20s');
    expect(duration(3 * H + 5 * M + 20 * S)).toBe('3h 5m');
  });

  it('never prints a 60 of any unit, and the page script agrees with the server for every span', () => {
    const span = pageSpan();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 * D }), (ms) => {
        const text = duration(ms);
        expect(text).not.toMatch(/\b60[ms]\b|\b60m\b|\b24h\b/);
        expect(span(ms)).toBe(text);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('whenSecond', () => {
  it('prints an instant to the second with its machine-readable time', () => {
    expect(whenSecond(Date.UTC(2026, 11, 6, 22, 23, 10, 915)).value).toBe('<time datetime="2026-12-06T22:23:10.915Z">2026-12-06 22:23:10 UTC</time>');
  });
});

import { describe, expect, it } from 'vitest';
import { lineChart } from './components.js';

const H = 3_600_000;

describe('lineChart', () => {
  it('marks a point that has no neighbour, so one hour of data is not an empty chart', () => {
    const svg = lineChart([{ name: 'p50', className: 'q-p50', points: [{ at: 0, value: undefined }, { at: H, value: 5 }] }], 'Latency').value;
    expect(svg.match(/<circle /g)).toHaveLength(1);
  });

  it('draws joined points as a line without marks, and marks only the isolated one', () => {
    const points = [
      { at: 0, value: 4 },
      { at: H, value: 6 },
      { at: 2 * H, value: undefined },
      { at: 3 * H, value: 9 },
    ];
    const svg = lineChart([{ name: 'p99', className: 'q-p99', points }], 'Latency').value;
    expect(svg).toMatch(/<path d="M[\d.]+ [\d.]+ L[\d.]+ [\d.]+ M[\d.]+ [\d.]+"/);
    expect(svg.match(/<circle /g)).toHaveLength(1);
  });

  it('says so when the window holds no data', () => {
    expect(lineChart([{ name: 'p50', className: 'q-p50', points: [{ at: 0, value: undefined }] }], 'Latency').value).toContain('No data in this window yet.');
  });
});

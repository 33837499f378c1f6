import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { MaintenanceWindow } from '../incidents/index.js';
import { declaredWindows, GAME_DAY_HORIZON_MS, startClearOfWindows } from './start-time.js';

const library = join(fileURLToPath(new URL('../../examples/library', import.meta.url)));
const at = (iso: string): number => Date.parse(iso);
const weekly: MaintenanceWindow = { id: 'weekly', cron: '0 2 * * 0', durationMs: 30 * 60_000, timeZone: 'UTC', services: [], matchers: [], onEnd: 'notify_if_firing' };

describe('when a game day starts', () => {
  it("reads library's weekly window from its ops.yaml: a run begun inside it starts when it closes", async () => {
    const windows = await declaredWindows(library);
    expect(windows.map((w) => [w.id, w.cron, w.durationMs])).toEqual([['weekly-maintenance', '0 2 * * 0', 30 * 60_000]]);
    // Sunday 6 Dec 2026, 02:05 UTC: inside the window, where every page of a world was held.
    expect(new Date(startClearOfWindows(windows, at('2026-12-06T02:05:13Z'))).toISOString()).toBe('2026-12-06T02:30:00.000Z');
  });

  it('a run whose horizon would reach the next opening starts after it; one clear of it starts at the next minute', () => {
    expect(new Date(startClearOfWindows([weekly], at('2026-12-05T23:00:00Z'))).toISOString()).toBe('2026-12-06T02:30:00.000Z');
    expect(new Date(startClearOfWindows([weekly], at('2026-12-06T03:00:20Z'))).toISOString()).toBe('2026-12-06T03:01:00.000Z');
    expect(startClearOfWindows([], at('2026-12-06T02:05:00Z'))).toBe(at('2026-12-06T02:05:00Z'));
  });

  it('one-off windows count too, and windows that never leave a clear horizon within a week leave the start at now', () => {
    const oneOff: MaintenanceWindow = { ...weekly, id: 'once', cron: undefined, durationMs: undefined, start: at('2026-12-06T04:00:00Z'), end: at('2026-12-06T05:00:00Z') };
    expect(new Date(startClearOfWindows([oneOff], at('2026-12-06T01:00:00Z'))).toISOString()).toBe('2026-12-06T05:00:00.000Z');
    const hourly: MaintenanceWindow = { ...weekly, id: 'hourly', cron: '0 * * * *', durationMs: 30 * 60_000 };
    expect(startClearOfWindows([hourly], at('2026-12-06T02:05:00Z'))).toBe(at('2026-12-06T02:05:00Z'));
    expect(GAME_DAY_HORIZON_MS).toBeGreaterThanOrEqual(2 * 3_600_000);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/support/cli.js';
import { configDir } from '../../config/test-support.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

// Seed 004: "Primary: 24/7 coverage; Secondary: backup" — a weekly 24/7 layer under a weekday
// business-hours layer, in New York, with an override over the spring-forward night.
const OPS = `users:
  - { name: ann }
  - { name: bob }
  - { name: cem }
  - { name: dan }
  - { name: eve }
schedules:
  - id: primary
    name: Primary 24/7
    time_zone: America/New_York
    layers:
      - name: Weekly
        users: [ann, bob]
        rotation: { length: 1w, handoff: "09:00", start: 2026-03-02 }
      - name: Business hours
        users: [cem, dan]
        rotation: { length: 1d, handoff: "00:00", start: 2026-03-02 }
        restrictions: [{ days: [mon, tue, wed, thu, fri], start: "09:00", end: "17:00" }]
    overrides:
      - { user: eve, start: 2026-03-08T00:00, end: 2026-03-08T12:00 }
`;

async function dir(): Promise<string> {
  const { dir, cleanup } = await configDir({ 'ops.yaml': OPS });
  cleanups.push(cleanup);
  return dir;
}

describe('opsbook oncall now', () => {
  it('prints who is on call per schedule and layer at --at, across the DST change', async () => {
    const run = await runCli(['oncall', 'now', '--at', '2026-03-08T08:00', '--tz', 'America/New_York'], { cwd: await dir() });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n')).toEqual([
      'primary (Primary 24/7) — 2026-03-08T08:00-04:00 America/New_York',
      '  on call: eve (until 2026-03-08T12:00-04:00, override)',
      '  Weekly: ann (until 2026-03-09T09:00-04:00)',
      '  Business hours: nobody until 2026-03-09T09:00-04:00',
    ]);
  });

  it('prints JSON with --json, the business-hours layer winning on a weekday', async () => {
    const run = await runCli(['oncall', 'now', '--at', '2026-03-09T10:00-04:00', '--json'], { cwd: await dir() });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      at: '2026-03-09T14:00:00.000Z',
      schedules: [
        {
          id: 'primary',
          name: 'Primary 24/7',
          time_zone: 'America/New_York',
          on_call: { user: 'dan', layer: 1, layer_name: 'Business hours', until: '2026-03-09T21:00:00.000Z' },
          layers: [
            { name: 'Weekly', user: 'bob', until: '2026-03-16T13:00:00.000Z' },
            { name: 'Business hours', user: 'dan', until: '2026-03-09T21:00:00.000Z' },
          ],
        },
      ],
    });
  });

  it('exits 2 naming the flag for a malformed --at, and 1 for an unknown schedule', async () => {
    const cwd = await dir();
    const bad = await runCli(['oncall', 'now', '--at', 'tomorrow-ish'], { cwd });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('→ --at [OPSBOOK_E_USAGE]');
    const unknown = await runCli(['oncall', 'now', '--schedule', 'secondary', '--config', 'ops.yaml'], { cwd });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no schedule secondary in ops.yaml (have: primary)');
  });
});

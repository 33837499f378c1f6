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

describe('opsbook oncall override, swap and feeds (local store)', () => {
  const ops = `users:
  - { name: ann, role: responder }
  - { name: bob, role: responder }
  - { name: cy, role: responder }
  - { name: root, role: admin }
server: { public_url: "http://opsbook.test" }
schedules:
  - id: primary
    time_zone: UTC
    layers:
      - { users: [ann, bob], rotation: { length: 1d, handoff: "09:00", start: 2026-01-05 } }
`;
  // 2026-01-05 ann, 06 bob … 2099-01-05 is 26661 days later: odd → bob; 2099-01-06 → ann.
  it('adds, lists and deletes an override and a swap that `oncall now` honours; refusals name the flag', async () => {
    const { dir: cwd, cleanup } = await configDir({ 'ops.yaml': ops });
    cleanups.push(cleanup);
    const who = async (at: string) => JSON.parse((await runCli(['oncall', 'now', '--at', at, '--json'], { cwd })).stdout).schedules[0].on_call.user as string;
    expect(await who('2099-01-05T12:00Z')).toBe('bob');
    const add = await runCli(['oncall', 'override', 'add', '--as', 'cy', '--schedule', 'primary', '--user', 'cy', '--covers', 'bob', '--start', '2099-01-05T10:00', '--end', '2099-01-05T14:00', '--reason', 'bob flies', '--json'], { cwd });
    expect(add.stderr).toBe('');
    const id = JSON.parse(add.stdout).overrides[0].id as string;
    expect(await who('2099-01-05T12:00Z')).toBe('cy');

    const bad = await runCli(['oncall', 'override', 'add', '--as', 'cy', '--schedule', 'primary', '--user', 'cy', '--covers', 'ann', '--start', '2099-01-05T15:00', '--end', '2099-01-05T16:00', '--reason', 'x'], { cwd });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('ann is not on call in primary');
    expect(bad.stderr).toContain('→ --covers [OPSBOOK_E_OVERRIDE_INVALID]');
    const notMine = await runCli(['oncall', 'override', 'add', '--as', 'cy', '--schedule', 'primary', '--user', 'ann', '--covers', 'bob', '--start', '2099-01-05T15:00', '--end', '2099-01-05T16:00', '--reason', 'x'], { cwd });
    expect(notMine.stderr).toContain('[OPSBOOK_E_FORBIDDEN]');

    const swap = await runCli(['oncall', 'swap', '--as', 'ann', '--schedule', 'primary', '--user', 'ann', '--with', 'bob', '--start', '2099-01-07T09:00', '--end', '2099-01-08T09:00', '--return-start', '2099-01-08T09:00', '--return-end', '2099-01-09T09:00', '--reason', 'trade'], { cwd });
    expect(swap.stderr).toBe('');
    expect(await who('2099-01-07T12:00Z')).toBe('ann');
    expect(await who('2099-01-08T12:00Z')).toBe('bob');
    const list = await runCli(['oncall', 'override', 'list', '--json'], { cwd });
    expect(JSON.parse(list.stdout).overrides.map((o: { user: string }) => o.user)).toEqual(['cy', 'ann', 'bob']);

    const del = await runCli(['oncall', 'override', 'delete', id, '--as', 'bob'], { cwd });
    expect(del.stdout).toContain(`deleted ${id}`);
    expect(await who('2099-01-05T12:00Z')).toBe('bob');
  });

  it('lists feed URLs and revokes one', async () => {
    const { dir: cwd, cleanup } = await configDir({ 'ops.yaml': ops });
    cleanups.push(cleanup);
    const feeds = JSON.parse((await runCli(['oncall', 'feeds', 'list', '--as', 'ann', '--json'], { cwd })).stdout).feeds as Array<{ id: string; kind: string; url: string }>;
    const mine = feeds.find((f) => f.kind === 'user')!;
    expect(mine.url).toMatch(/^http:\/\/opsbook\.test\/calendar\/.+\.ics$/);
    expect((await runCli(['oncall', 'feeds', 'revoke', mine.id, '--as', 'bob'], { cwd })).stderr).toContain('[OPSBOOK_E_FORBIDDEN]');
    expect((await runCli(['oncall', 'feeds', 'revoke', mine.id, '--as', 'ann'], { cwd })).stdout).toContain(`revoked calendar feed ${mine.id}`);
    const again = JSON.parse((await runCli(['oncall', 'feeds', 'list', '--as', 'ann', '--json'], { cwd })).stdout).feeds as Array<{ id: string; kind: string }>;
    expect(again.find((f) => f.kind === 'user')!.id).not.toBe(mine.id);
  });
});

/**
 * `node --import tsx bench/oncall.ts`: cost of on-call resolution and escalation steps on this
 * machine. Prints microseconds per call for "who is on call now" (a cold instant each time and a
 * repeated one), a week of final-schedule stretches, and an escalation timer step.
 */
import { onTimer, shiftsBetween, startEscalation, whoIsOnCall, type EscalationPolicy, type Schedule } from '../src/oncall/index.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const schedule: Schedule = {
  id: 'primary',
  timeZone: 'America/New_York',
  layers: [
    { name: 'Weekly', users: ['ann', 'bob', 'cem', 'dan'], rotation: { lengthMs: 7 * DAY, handoffMinutes: 540, start: '2025-01-06' } },
    {
      name: 'Business hours',
      users: ['eve', 'fay'],
      rotation: { lengthMs: DAY, handoffMinutes: 0, start: '2025-01-06' },
      restrictions: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], startMinutes: 540, endMinutes: 1020 }],
    },
  ],
  overrides: [{ user: 'gus', start: Date.UTC(2026, 2, 10, 14), end: Date.UTC(2026, 2, 11, 2) }],
};

function time(label: string, n: number, fn: (i: number) => void): void {
  for (let i = 0; i < Math.min(n, 200); i++) fn(i); // warm up the JIT
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn(i);
  const us = ((performance.now() - t0) * 1000) / n;
  console.log(`${label.padEnd(52)} ${us.toFixed(1).padStart(9)} µs/call  (n=${n})`);
}

const base = Date.UTC(2026, 2, 1);
let sink = 0;
time('whoIsOnCall, a new instant every call (7-minute steps)', 20_000, (i) => {
  sink += whoIsOnCall(schedule, base + i * 7 * 60_000)?.user.length ?? 0;
});
time('whoIsOnCall, the same instant again', 20_000, () => {
  sink += whoIsOnCall(schedule, base + 12_345)?.user.length ?? 0;
});
time('shiftsBetween, one week (final schedule stretches)', 200, (i) => {
  sink += shiftsBetween(schedule, base + i * DAY, base + i * DAY + 7 * DAY).length;
});

const policy: EscalationPolicy = {
  id: 'default',
  steps: [
    { targets: [{ schedule: 'primary' }], timeoutMs: 15 * 60_000 },
    { targets: [{ user: 'lead' }], timeoutMs: HOUR },
    { targets: [{ user: 'cto' }], timeoutMs: 4 * HOUR },
  ],
  repeat: 2,
  escalateOnResponseTarget: true,
};
time('startEscalation + onTimer + JSON round trip', 50_000, (i) => {
  const { state } = startEscalation(policy, { id: `inc-${i}`, responseTargetMs: HOUR }, 0);
  const next = onTimer(policy, JSON.parse(JSON.stringify(state)), 16 * 60_000);
  sink += next.actions.length;
});
console.log(sink > 0 ? '' : 'no work done');

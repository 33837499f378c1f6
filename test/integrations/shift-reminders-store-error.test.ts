/**
 * One shift reminder that cannot be written (the store refuses its row) holds back no other: the
 * people of the other schedules are reminded at once, and the refused one is tried again a few
 * seconds later, not at the next look a quarter of an hour on, when the shift may have begun. The
 * refusal is real SQL (a trigger on shift_reminders for one schedule, dropped afterwards); a daemon
 * on SQLite and a simulated clock, a loopback webhook receiver.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/lib/clock.js';
import { startReceiver, testSecret, type Receiver } from '../../src/notify/test-support.js';
import { startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { refuseWrites } from '../support/store-faults.js';
import { scaled } from '../support/timing.js';

let server: DaemonApp;
let hooks: Receiver;
const clock = new SimulatedClock(Date.parse('2026-03-26T05:40:00Z'));

beforeAll(async () => {
  hooks = await startReceiver(() => ({ status: 204 }));
  const user = (name: string) => `  - { name: ${name}, role: responder, contact: [{ kind: webhook, address: "${hooks.url}" }], notification_rules: { low: [{ via: [webhook] }] } }\n`;
  const schedule = (id: string, who: string) => `  - { id: ${id}, name: ${id}, time_zone: UTC, shift_reminder: 10m, layers: [{ users: [${who}], rotation: { length: 1h, handoff: "00:00", start: 2026-03-26 } }] }\n`;
  server = await startDaemonApp(
    'reminders-store-error',
    {
      'ops.yaml':
        `channels:\n  - { id: hook, kind: webhook, url: "${hooks.url}", secrets: ["${testSecret(7)}"] }\n` +
        `users:\n${user('ann')}${user('bob')}${user('cat')}${user('dan')}` +
        `schedules:\n${schedule('first', 'ann, cat')}${schedule('second', 'bob, dan')}`,
    },
    { clock },
  );
});
afterAll(async () => {
  await server?.close();
  await hooks?.close();
});

async function at(iso: string): Promise<void> {
  await clock.advanceTo(Date.parse(iso), () => server.daemon.shiftReminders!.idle());
  await server.daemon.shiftReminders!.idle();
}

const remindedUsers = () =>
  hooks.requests
    .map((r) => JSON.parse(r.body) as { type: string; data: { recipient?: { user: string } } })
    .filter((b) => b.type === 'oncall.shift_reminder')
    .map((b) => b.data.recipient?.user)
    .sort();

async function until(what: string, ok: () => boolean): Promise<void> {
  for (const end = Date.now() + scaled(30_000); !ok(); ) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('a shift reminder the store refuses', () => {
  it('reminds the others at once and the refused one a few seconds later', async () => {
    // Hourly handoffs from midnight: ann's and bob's shifts start at 06:00, both reminders fall due at 05:50, the first schedule's first.
    const heal = await refuseWrites(server.daemon.store.db, 'sqlite', 'shift_reminders', { when: "new.schedule_id = 'first'" });
    await at('2026-03-26T05:50:00Z');
    await until('bob’s reminder', () => remindedUsers().includes('bob'));
    expect(remindedUsers()).toEqual(['bob']);
    await heal();
    await at('2026-03-26T05:50:10Z');
    await until('ann’s reminder', () => remindedUsers().includes('ann'));
    expect(remindedUsers()).toEqual(['ann', 'bob']);
  });
});

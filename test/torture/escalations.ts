/**
 * kill -9 mid-escalation after bursts of 50 concurrent incidents: the daemon (test/torture/daemon-child.ts,
 * on a simulated clock the case moves one tick at a time) with a three-step policy; 50 alerts ingested
 * concurrently over its HTTP API; the daemon killed while steps are pending (some kills while a step's
 * 50 pages are being written) and started again, sometimes after a downtime that steps fell due in.
 * Every step of every incident must be paged exactly once, within one tick of its due time — or of
 * the restart, when it fell due while the daemon was down.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startReceiver } from '../../src/notify/test-support.js';
import { openStore } from '../../src/store/index.js';
import { kill9, sleep, startChild } from '../support/crash.js';
import type { CaseResult, TortureCase } from './case.js';

const KEY = 'k'.repeat(40);
const SECOND = 1000;
const MINUTE = 60 * SECOND;
/** The case moves simulated time in ticks of this much; a step is on time within one tick. */
const TICK = SECOND;
const STEPS = 3;
const BURST = 50;

interface Running {
  child: ChildProcess;
  api: string;
  control: string;
}

interface Kill {
  /** The tick whose advance the kill interrupted. */
  at: number;
  /** Simulated down time before the restart. */
  downMs: number;
}

/** A downtime: steps due in (from, to] fire on the first tick after the restart at `to`. */
interface Downtime {
  from: number;
  to: number;
}

function opsYaml(receiverUrl: string): string {
  return `integrations:
  - { id: prom, kind: alertmanager, key: ${KEY} }
channels:
  - { id: hook, kind: webhook, url: ${receiverUrl}, secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"] }
escalation_policies:
  - id: default
    steps:
${Array.from({ length: STEPS }, () => '      - { targets: [{ channel: hook }], timeout: 1m }').join('\n')}
`;
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: unknown }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: text.startsWith('{') ? JSON.parse(text) : text };
}

export const escalationsCase: TortureCase = {
  name: 'escalations under kill -9 (bursts of 50 concurrent incidents, 3-step policy)',
  async run({ quick }): Promise<CaseResult> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-torture-escalations-'));
    const receiver = await startReceiver(() => ({ status: 204 }));
    fs.writeFileSync(path.join(dir, 'ops.yaml'), opsYaml(receiver.url));
    const t0 = Math.floor(Date.now() / MINUTE) * MINUTE;
    // Bursts open at these instants; kills interrupt the tick that makes steps due (mid-firing) or
    // a quiet tick, and some restarts come after a downtime that steps fall due in.
    const bursts = quick ? [t0] : [t0, t0 + 20 * SECOND, t0 + 45 * SECOND];
    const kills: Kill[] = quick
      ? [
          { at: t0 + MINUTE, downMs: 0 },
          { at: t0 + 90 * SECOND, downMs: 45 * SECOND },
        ]
      : [
          { at: t0 + MINUTE, downMs: 0 },
          { at: t0 + 70 * SECOND, downMs: 15 * SECOND },
          { at: t0 + 105 * SECOND, downMs: 0 },
          { at: t0 + 2 * MINUTE, downMs: 30 * SECOND },
          { at: t0 + 165 * SECOND, downMs: 0 },
          { at: t0 + 170 * SECOND, downMs: 2 * MINUTE },
        ];
    const end = Math.max(...bursts) + STEPS * MINUTE + kills.reduce((s, k) => s + k.downMs, 0) + 10 * SECOND;
    const downtimes: Downtime[] = [];
    const acknowledged = new Set<string>();
    const failures: string[] = [];
    let running: Running | undefined;
    let withPending = 0;
    let midFiring = 0;
    const start = async (at: number): Promise<Running> => {
      const lines: string[] = [];
      const child = await startChild('test/torture/daemon-child.ts', [path.join(dir, 'ops.yaml'), String(at)], (l) => lines.push(l));
      const pick = (word: string) => lines.find((l) => l.startsWith(`${word} `))!.slice(word.length + 1);
      return { child, api: pick('api'), control: pick('control') };
    };
    let stalls = 0;
    const advance = async (r: Running, to: number): Promise<void> => {
      const a = await post(`${r.control}/advance`, { to });
      if (a.status !== 200) throw new Error(`daemon could not advance to ${to}: ${String(a.json)}`);
      if ((a.json as { stalled: number }).stalled > 0) stalls++;
    };
    try {
      running = await start(t0);
      let t = t0;
      // A stalled daemon answers each tick after a bounded wait; a few stalls are enough to judge.
      while (t <= end && stalls < 5) {
        for (const b of bursts.filter((x) => x === t)) {
          await advance(running, t);
          const answers = await Promise.all(
            Array.from({ length: BURST }, (_, i) =>
              post(`${running!.api}/api/ingest/alertmanager`, { version: '4', groupKey: `g${b}-${i}`, receiver: 'opsbook', status: 'firing', alerts: [{ status: 'firing', labels: { alertname: `Burst${b - t0}x${i}`, severity: 'critical' }, annotations: {}, startsAt: new Date(b).toISOString(), fingerprint: `f${b}-${i}` }] }, { authorization: `Bearer ${KEY}` }),
            ),
          );
          for (const a of answers) {
            if (a.status !== 200) failures.push(`ingest answered ${a.status}`);
            else for (const id of (a.json as { incidents: string[] }).incidents) acknowledged.add(id);
          }
        }
        const kill = kills.find((k) => k.at === t);
        if (kill) {
          // The tick's advance starts; the kill lands a few milliseconds into it.
          const pending = post(`${running.control}/advance`, { to: t }).catch(() => undefined);
          await sleep(Math.random() * 40);
          await kill9(running.child);
          await pending;
          running = undefined;
          const seen = await stored(dir);
          const dueNow = [...seen.opened.values()].reduce((n, opened) => n + [...Array(STEPS).keys()].filter((s) => opened + s * MINUTE <= t).length, 0);
          const firedNow = seen.fired.size;
          if (seen.active > 0) withPending++;
          if (firedNow < dueNow && firedNow > seen.firedBefore(t)) midFiring++;
          downtimes.push({ from: t - TICK, to: t + kill.downMs });
          t += kill.downMs;
          running = await start(t);
        } else {
          await advance(running, t);
        }
        t += TICK;
      }
      running.child.kill('SIGTERM');
      await new Promise((r) => running!.child.once('exit', r));
      running = undefined;

      const seen = await stored(dir);
      let due = 0;
      let onTime = 0;
      let late = 0;
      let early = 0;
      let missing = 0;
      let duplicated = 0;
      for (const id of acknowledged) {
        const opened = seen.opened.get(id);
        if (opened === undefined) {
          failures.push(`acknowledged incident ${id} is not stored`);
          continue;
        }
        for (let s = 0; s < STEPS; s++) {
          due++;
          const dueAt = opened + s * MINUTE;
          const down = downtimes.find((d) => dueAt > d.from && dueAt <= d.to);
          const expected = down ? down.to : dueAt;
          const fired = seen.fired.get(`${id}#${s}`) ?? [];
          if (fired.length === 0) missing++;
          if (fired.length > 1) duplicated++;
          const at = fired[0];
          if (at === undefined) continue;
          if (at < dueAt) early++;
          else if (at > expected + TICK) late++;
          else onTime++;
        }
      }
      if (missing) failures.push(`${missing} escalation steps never fired`);
      if (late) failures.push(`${late} escalation steps fired more than one tick late`);
      if (early) failures.push(`${early} escalation steps fired before their due time`);
      if (duplicated) failures.push(`${duplicated} escalation steps fired more than once`);
      if (stalls > 0) failures.push(`${stalls} ticks ended with escalations due and not fired (stall)`);
      if (seen.active > 0) failures.push(`${seen.active} escalations still active after the last step's time`);
      return {
        figures: { incidents: acknowledged.size, 'escalations due': due, 'fired on time': onTime, late, early, missing, duplicated, 'stalled ticks': stalls, kills: kills.length, 'kills with steps pending': withPending, 'kills mid-firing': midFiring, pages: receiver.requests.length },
        failures,
        exercised: acknowledged.size > 0 && withPending > 0,
      };
    } finally {
      if (running) await kill9(running.child);
      await receiver.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};

/** What the daemon's SQLite store holds: incidents' open times, each step's pages, active escalations. */
async function stored(dir: string): Promise<{ opened: Map<string, number>; fired: Map<string, number[]>; active: number; firedBefore(t: number): number }> {
  const db = await openStore({ url: path.join(dir, '.opsbook', 'opsbook.db') });
  try {
    const incidents = await db.db.selectFrom('incidents').select(['id', 'opened_at']).execute();
    const rows = await db.db.selectFrom('outbox').select(['dedup_key', 'created_at']).execute();
    const active = await db.db.selectFrom('escalations').select('incident_id').where('status', '=', 'active').execute();
    const fired = new Map<string, number[]>();
    for (const r of rows) {
      const m = /^(.+)\/default\/r\d+\/s(\d+)\/channel:hook$/.exec(r.dedup_key ?? '');
      if (m) fired.set(`${m[1]}#${m[2]}`, [...(fired.get(`${m[1]}#${m[2]}`) ?? []), Number(r.created_at)]);
    }
    const times = [...fired.values()].flat();
    return { opened: new Map(incidents.map((i) => [i.id, Number(i.opened_at)])), fired, active: active.length, firedBefore: (t) => times.filter((x) => x < t).length };
  } finally {
    await db.close();
  }
}

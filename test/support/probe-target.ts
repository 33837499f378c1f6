/**
 * A loopback HTTP target for check tests on a simulated clock. It records every probe (its path
 * without the leading slash, the simulated instant it arrived at, whether the prober hung up before
 * the answer), holds the answers of the paths told to until they are released, and answers 500 on
 * the paths marked failing (200 otherwise).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { nextSlot } from '../../src/checks/scheduler/plan.js';
import type { Clock } from '../../src/lib/clock.js';

export interface Probe {
  path: string;
  /** The simulated instant the probe arrived at. */
  at: number;
  /** The prober hung up before the answer (a run aborted). */
  aborted: boolean;
}

export interface ProbeTarget {
  readonly port: number;
  readonly probes: Probe[];
  /** Paths answered 500. */
  readonly failing: Set<string>;
  /** From now on, probes of `path` wait for their answer until `release(path)`. */
  hold(path: string): void;
  /** Answers the held probes of `path` and stops holding it. */
  release(path: string): void;
  /** Answers every held probe, then closes the server. */
  close(): Promise<void>;
}

export async function startProbeTarget(clock: Pick<Clock, 'now'>): Promise<ProbeTarget> {
  const probes: Probe[] = [];
  const held = new Map<string, Array<() => void>>();
  const failing = new Set<string>();
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').slice(1);
    const probe = { path, at: clock.now(), aborted: false };
    probes.push(probe);
    req.socket.once('close', () => (probe.aborted = !res.writableEnded));
    const answer = () => res.writeHead(failing.has(path) ? 500 : 200).end();
    const queue = held.get(path);
    if (queue) queue.push(answer);
    else answer();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const release = (path: string) => {
    for (const answer of held.get(path)?.splice(0) ?? []) answer();
    held.delete(path);
  };
  return {
    port: (server.address() as AddressInfo).port,
    probes,
    failing,
    hold: (path) => void held.set(path, held.get(path) ?? []),
    release,
    close: async () => {
      for (const path of [...held.keys()]) release(path);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The instants in [from, to] a check with this phase is planned at, every `interval`. */
export function slotsBetween(phase: number, interval: number, from: number, to: number): number[] {
  const out: number[] = [];
  for (let t = nextSlot(from, phase, interval); t <= to; t += interval) out.push(t);
  return out;
}

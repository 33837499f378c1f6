import { expect, it } from 'vitest';
import type { AlertEvent } from '../../alerts/index.js';
import type { IncidentResult } from '../../incidents/index.js';
import { IngestGroup } from './ingest-batch.js';

const event = (dedupKey: string): AlertEvent => ({ kind: 'firing', ruleId: 'r', dedupKey, labels: {}, annotations: {}, severity: 'P1', at: 0 });
const result = (id: string) => ({ incident: { id }, effects: [] }) as unknown as IncidentResult;

/** A queue that runs its jobs only when told to, as the pipeline's queue would once it is free. */
function manualQueue() {
  const jobs: Array<() => Promise<void>> = [];
  return {
    schedule: (job: () => Promise<void>) => void jobs.push(job),
    runAll: async () => {
      while (jobs.length > 0) await jobs.shift()!();
    },
    get length() {
      return jobs.length;
    },
  };
}

it('handles the alerts that wait for one turn of the queue together, in order, each answered with its own result', async () => {
  const queue = manualQueue();
  const groups: string[][] = [];
  const group = new IngestGroup(queue.schedule, async (events) => (groups.push(events.map((e) => e.dedupKey)), events.map((e) => result(`inc-${e.dedupKey}`))), async () => {
    throw new Error('not used');
  });
  const answers = ['a', 'b', 'c'].map((k) => group.add(event(k)));
  expect(queue.length).toBe(1);
  await queue.runAll();
  expect(groups).toEqual([['a', 'b', 'c']]);
  expect((await Promise.all(answers)).map((r) => r?.incident.id)).toEqual(['inc-a', 'inc-b', 'inc-c']);
  // The next alert books a new turn.
  const later = group.add(event('d'));
  await queue.runAll();
  expect(groups).toEqual([['a', 'b', 'c'], ['d']]);
  expect((await later)?.incident.id).toBe('inc-d');
});

it('takes at most its bound per turn and books another turn for the rest', async () => {
  const queue = manualQueue();
  const groups: number[] = [];
  const group = new IngestGroup(queue.schedule, async (events) => (groups.push(events.length), events.map(() => undefined)), async () => undefined, 2);
  const answers = ['a', 'b', 'c', 'd', 'e'].map((k) => group.add(event(k)));
  await queue.runAll();
  await Promise.all(answers);
  expect(groups).toEqual([2, 2, 1]);
});

it('when a group fails, tries each alert on its own: only the bad one is refused', async () => {
  const queue = manualQueue();
  const group = new IngestGroup(
    queue.schedule,
    async () => {
      throw new Error('one alert in the group is bad');
    },
    async (e) => {
      if (e.dedupKey === 'bad') throw new Error('bad alert');
      return result(`inc-${e.dedupKey}`);
    },
  );
  const good = group.add(event('good'));
  const bad = group.add(event('bad'));
  await queue.runAll();
  expect((await good)?.incident.id).toBe('inc-good');
  await expect(bad).rejects.toThrow('bad alert');
  // A group of one that fails is refused as it is, not tried twice.
  let alone = 0;
  const single = new IngestGroup(queue.schedule, async () => Promise.reject(new Error('refused')), async () => (alone++, undefined));
  const one = single.add(event('x'));
  await queue.runAll();
  await expect(one).rejects.toThrow('refused');
  expect(alone).toBe(0);
});

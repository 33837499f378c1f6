/** `opsbook schema` lists the broker and database kinds with their options and defaults. */
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../test/support/cli.js';

interface KindSchema {
  properties: Record<string, { const?: string; default?: unknown; description?: string }>;
  required?: string[];
}

describe('opsbook schema and the service kinds', () => {
  it('lists mysql, rabbitmq, nats, mongodb and celery with their own options', async () => {
    const run = await runCli(['schema']);
    expect(run.code).toBe(0);
    const schema = JSON.parse(run.stdout) as { properties: { checks: { items: { oneOf: KindSchema[] } } } };
    const kinds = new Map(schema.properties.checks.items.oneOf.map((k) => [k.properties.kind!.const, k]));
    const expected: Record<string, Record<string, unknown>> = {
      mysql: { url: undefined, query: undefined, status: false },
      rabbitmq: { url: undefined, queues: [] },
      nats: { url: undefined, user: undefined, password: undefined, token: undefined, streams: [], consumers: [] },
      mongodb: { url: undefined, server_status: false, replica_set: false },
      celery: { broker: undefined, queues: [], reply_window: '1s', beat_tasks: [], beat_window: '0' },
    };
    for (const [kind, options] of Object.entries(expected)) {
      const k = kinds.get(kind);
      expect(k, kind).toBeDefined();
      for (const [key, def] of Object.entries(options)) {
        expect(k!.properties[key], `${kind}.${key}`).toBeDefined();
        expect(k!.properties[key]!.description, `${kind}.${key}`).toBeTruthy();
        if (def !== undefined) expect(k!.properties[key]!.default, `${kind}.${key}`).toEqual(def);
      }
      expect(k!.required, kind).toContain(kind === 'celery' ? 'broker' : 'url');
    }
  });
});

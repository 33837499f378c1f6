/** `opsbook schema` prints configJsonSchema(): every kind of this folder is in it with its options and defaults. */
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../test/support/cli.js';
import { configJsonSchema } from '../../config/index.js';

interface KindSchema {
  properties: Record<string, { default?: unknown; description?: string; const?: string }>;
}

const checks = (configJsonSchema() as { properties: { checks: { items: { oneOf: KindSchema[] } } } }).properties.checks.items.oneOf;
const byKind = new Map(checks.map((k) => [k.properties.kind!.const!, k]));

describe('opsbook schema', () => {
  it.each([
    ['mqtt', { url: undefined, round_trip: true, qos: 1 }],
    ['smtp', { host: undefined, port: 25, tls: 'starttls', ehlo_name: 'localhost' }],
    ['websocket', { url: undefined, headers: {}, protocols: [] }],
    ['grpc', { target: undefined, grpc_service: '', tls: false, metadata: {} }],
    ['browser', { url: undefined, wait_until: 'load', executable: '/usr/bin/chromium', ignore_https_errors: false }],
  ])('lists the %s kind with its options, each described, with its defaults', (kind, options) => {
    const schema = byKind.get(kind);
    expect(schema, kind).toBeDefined();
    for (const [key, def] of Object.entries(options)) {
      const prop = schema!.properties[key];
      expect(prop, `${kind}.${key}`).toBeDefined();
      expect(prop!.description, `${kind}.${key}`).toMatch(/\w/);
      if (def !== undefined) expect(prop!.default, `${kind}.${key}`).toEqual(def);
    }
  });

  it('the opsbook schema command prints the same list of kinds', async () => {
    const run = await runCli(['schema']);
    expect(run.code).toBe(0);
    const printed = JSON.parse(run.stdout) as { properties: { checks: { items: { oneOf: KindSchema[] } } } };
    const kinds = printed.properties.checks.items.oneOf.map((k) => k.properties.kind!.const);
    expect(kinds).toEqual([...byKind.keys()]);
    expect(kinds).toEqual(expect.arrayContaining(['mqtt', 'smtp', 'websocket', 'grpc', 'browser']));
  });

  it('lists gauge_ratio among the metrics kind’s options', () => {
    expect(byKind.get('metrics')!.properties.gauge_ratio?.description).toContain('sum(of) / sum(over)');
  });
});

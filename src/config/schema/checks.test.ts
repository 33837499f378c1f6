import { describe, expect, it } from 'vitest';
import { CHECK_KINDS } from '../../checks/kinds/index.js';
import { configLoader } from '../../../test/support/config.js';

const loadFile = configLoader('opsbook-checks-schema');
const load = (text: string) => loadFile('ops.yaml', text);

/** The least each kind needs, as YAML lines under the check (four spaces in). */
const MINIMAL: Record<keyof typeof CHECK_KINDS, string[]> = {
  http: ['url: http://127.0.0.1:1/'],
  tcp: ['host: 127.0.0.1', 'port: 1'],
  tls: ['host: 127.0.0.1'],
  dns: ['name: example.com'],
  postgres: ['url: postgres://127.0.0.1/x'],
  redis: ['url: redis://127.0.0.1'],
  json: ['url: http://127.0.0.1:1/', 'path: a'],
  metrics: ['url: http://127.0.0.1:1/metrics', 'query: up'],
  command: ['command: "true"'],
  file: ['path: /tmp/x'],
  heartbeat: ['period: 1h'],
  mqtt: ['url: mqtt://127.0.0.1'],
  smtp: ['host: 127.0.0.1'],
  websocket: ['url: ws://127.0.0.1:1/'],
  grpc: ['target: 127.0.0.1:1'],
  browser: ['url: http://127.0.0.1:1/'],
  mysql: ['url: mysql://127.0.0.1/x'],
  rabbitmq: ['url: amqp://127.0.0.1'],
  nats: ['url: nats://127.0.0.1'],
  mongodb: ['url: mongodb://127.0.0.1'],
  celery: ['broker: redis://127.0.0.1', 'queues: [celery]', 'reply_window: 100ms'],
};

function checkYaml(kind: string, timings: string[]): string {
  return ['services:', '  - id: ledger', 'checks:', '  - id: c', `    kind: ${kind}`, ...MINIMAL[kind as keyof typeof CHECK_KINDS].map((l) => `    ${l}`), ...timings.map((l) => `    ${l}`)].join('\n') + '\n';
}

describe('checks: a kind’s own options', () => {
  it('do not reuse a key every check has', async () => {
    const { commonCheckKeys } = await import('./checks.js');
    const clashes = Object.entries(CHECK_KINDS).flatMap(([kind, k]) =>
      Object.keys((k.options as { shape: object }).shape)
        .filter((key) => Object.hasOwn(commonCheckKeys, key))
        .map((key) => `${kind}.${key}`),
    );
    // dns's `name` is the name resolved, and also the check's display name; nothing else may share a key.
    expect(clashes).toEqual(['dns.name']);
  });

  it('let a grpc check watch a service of services: and ask the server about another (grpc_service)', async () => {
    const r = await load(['services:', '  - id: ledger', 'checks:', '  - id: g', '    kind: grpc', '    service: ledger', '    target: 127.0.0.1:1', '    grpc_service: payments.v1.Ledger', ''].join('\n'));
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.config.checks[0]).toMatchObject({ service: 'ledger', grpc_service: 'payments.v1.Ledger' });
    const bare = await load(['checks:', '  - id: g', '    kind: grpc', '    target: 127.0.0.1:1', ''].join('\n'));
    if (!bare.ok) throw new Error(JSON.stringify(bare.issues));
    expect(bare.config.checks[0]).toMatchObject({ grpc_service: '' });
    expect(bare.config.checks[0]!.service).toBeUndefined();
  });
});

describe('checks: timeout and interval', () => {
  it('has a minimal config for every kind, which loads', async () => {
    expect(Object.keys(MINIMAL).sort()).toEqual(Object.keys(CHECK_KINDS).sort());
    for (const kind of Object.keys(CHECK_KINDS)) {
      const r = await load(checkYaml(kind, ['interval: 30s', 'timeout: 10s']));
      expect(r.ok ? [] : r.issues, kind).toEqual([]);
    }
  });

  it('refuses a written timeout longer than the interval, for every kind, at the timeout with both values', async () => {
    for (const kind of Object.keys(CHECK_KINDS)) {
      const text = checkYaml(kind, ['interval: 5s', 'timeout: 6s']);
      const line = text.split('\n').indexOf('    timeout: 6s') + 1;
      const r = await load(text);
      if (r.ok) throw new Error(`${kind}: a timeout of 6s past an interval of 5s was accepted`);
      expect(r.issues.map((i) => [i.path, i.line, i.message]), kind).toEqual([
        ['checks[0].timeout', line, 'timeout 6s must not be longer than interval 5s; shorten the timeout or lengthen the interval'],
      ]);
    }
  });

  it('takes a timeout equal to the interval', async () => {
    const r = await load(checkYaml('http', ['interval: 5s', 'timeout: 5s']));
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.config.checks[0]).toMatchObject({ interval: 5_000, timeout: 5_000 });
  });

  it('gives an unwritten timeout 10s, or the interval when that is shorter (as Prometheus does)', async () => {
    for (const kind of Object.keys(CHECK_KINDS)) {
      const short = await load(checkYaml(kind, ['interval: 2s']));
      if (!short.ok) throw new Error(`${kind}: ${JSON.stringify(short.issues)}`);
      expect(short.config.checks[0], kind).toMatchObject({ interval: 2_000, timeout: 2_000 });
      const long = await load(checkYaml(kind, []));
      if (!long.ok) throw new Error(`${kind}: ${JSON.stringify(long.issues)}`);
      expect(long.config.checks[0], kind).toMatchObject({ interval: 30_000, timeout: 10_000 });
    }
  });

  it('checks a kind’s own rule against the timeout in effect, written or not', async () => {
    // celery: the timeout must outlast reply_window + beat_window; at interval 1s the default timeout is 1s.
    const r = await load(['checks:', '  - id: c', '    kind: celery', '    broker: redis://127.0.0.1', '    reply_window: 2s', '    interval: 1s', ''].join('\n'));
    if (r.ok) throw new Error('expected issues');
    expect(r.issues.map((i) => i.message).join('\n')).toMatch(/timeout must be longer than reply_window \+ beat_window/);
  });
});

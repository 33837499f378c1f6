import { own } from '../../lib/own.js';
import type { CheckKind } from '../types.js';
import type { CheckKindName } from './schemas.js';
import { browserKind } from './browser/index.js';
import { celeryKind } from './celery/index.js';
import { commandKind } from './command/index.js';
import { dnsKind } from './dns/index.js';
import { fileKind } from './file/index.js';
import { grpcKind } from './grpc/index.js';
import { heartbeatKind } from './heartbeat/index.js';
// The http check kind, not the http/ transport the lint rule guards against.
// eslint-disable-next-line no-restricted-imports
import { httpKind } from './http/index.js';
import { jsonKind } from './json/index.js';
import { metricsKind } from './metrics/index.js';
import { mqttKind } from './mqtt/index.js';
import { mongodbKind } from './mongodb/index.js';
import { mysqlKind } from './mysql/index.js';
import { natsKind } from './nats/index.js';
import { postgresKind } from './postgres/index.js';
import { rabbitmqKind } from './rabbitmq/index.js';
import { redisKind } from './redis/index.js';
import { smtpKind } from './smtp/index.js';
import { tcpKind } from './tcp/index.js';
import { tlsKind } from './tls/index.js';
import { websocketKind } from './websocket/index.js';

/**
 * Every check kind with its probe, by name: what running a check needs. Validating a config reads
 * schemas.ts only, which names the same kinds.
 */
export const CHECK_KINDS = {
  http: httpKind,
  tcp: tcpKind,
  tls: tlsKind,
  dns: dnsKind,
  postgres: postgresKind,
  redis: redisKind,
  json: jsonKind,
  metrics: metricsKind,
  command: commandKind,
  file: fileKind,
  heartbeat: heartbeatKind,
  mqtt: mqttKind,
  smtp: smtpKind,
  websocket: websocketKind,
  grpc: grpcKind,
  browser: browserKind,
  mysql: mysqlKind,
  rabbitmq: rabbitmqKind,
  nats: natsKind,
  mongodb: mongodbKind,
  celery: celeryKind,
  // Names exactly the kinds of schemas.ts: a kind that validates but cannot run does not compile.
} as const satisfies Record<CheckKindName, CheckKind<never>>;

export type { CheckKindName } from './schemas.js';

export function checkKind(name: string): CheckKind<Record<string, unknown>> | undefined {
  return own(CHECK_KINDS as Record<string, CheckKind<never>>, name) as CheckKind<Record<string, unknown>> | undefined;
}

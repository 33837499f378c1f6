import { own } from '../../lib/own.js';
import type { CheckKindSchema } from '../types.js';
import { browserSchema } from './browser/schema.js';
import { celerySchema } from './celery/schema.js';
import { commandSchema } from './command/schema.js';
import { dnsSchema } from './dns/schema.js';
import { fileSchema } from './file/schema.js';
import { grpcSchema } from './grpc/schema.js';
import { heartbeatSchema } from './heartbeat/schema.js';
// The http check kind, not the http/ transport the lint rule guards against.
// eslint-disable-next-line no-restricted-imports
import { httpSchema } from './http/schema.js';
import { jsonSchema } from './json/schema.js';
import { metricsSchema } from './metrics/schema.js';
import { mongodbSchema } from './mongodb/schema.js';
import { mqttSchema } from './mqtt/schema.js';
import { mysqlSchema } from './mysql/schema.js';
import { natsSchema } from './nats/schema.js';
import { postgresSchema } from './postgres/schema.js';
import { rabbitmqSchema } from './rabbitmq/schema.js';
import { redisSchema } from './redis/schema.js';
import { smtpSchema } from './smtp/schema.js';
import { tcpSchema } from './tcp/schema.js';
import { tlsSchema } from './tls/schema.js';
import { websocketSchema } from './websocket/schema.js';

/**
 * Every check kind's schema, by name: what config validation reads (options, placeholders, default
 * conditions), without probe code. The kinds themselves, with their probes, are in index.ts.
 * Adding a kind: one folder (schema.ts and index.ts), one line here and one in index.ts.
 */
export const CHECK_KIND_SCHEMAS = {
  http: httpSchema,
  tcp: tcpSchema,
  tls: tlsSchema,
  dns: dnsSchema,
  postgres: postgresSchema,
  redis: redisSchema,
  json: jsonSchema,
  metrics: metricsSchema,
  command: commandSchema,
  file: fileSchema,
  heartbeat: heartbeatSchema,
  mqtt: mqttSchema,
  smtp: smtpSchema,
  websocket: websocketSchema,
  grpc: grpcSchema,
  browser: browserSchema,
  mysql: mysqlSchema,
  rabbitmq: rabbitmqSchema,
  nats: natsSchema,
  mongodb: mongodbSchema,
  celery: celerySchema,
} as const;

export type CheckKindName = keyof typeof CHECK_KIND_SCHEMAS;

export function checkKindSchema(name: string): CheckKindSchema<Record<string, unknown>> | undefined {
  return own(CHECK_KIND_SCHEMAS as Record<string, CheckKindSchema<never>>, name) as CheckKindSchema<Record<string, unknown>> | undefined;
}

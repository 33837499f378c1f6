/**
 * The machine's MariaDB, RabbitMQ and NATS (JetStream) for tests of the check kinds that speak to
 * them. Like services.ts: a missing server skips its tests, or fails them under OPSBOOK_REQUIRE_SERVICES=1.
 */
import { availability } from './services.js';

export const MYSQL_URL = process.env.OPSBOOK_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';
export const AMQP_URL = process.env.OPSBOOK_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const NATS_URL = process.env.OPSBOOK_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

export async function mysqlUp(): Promise<boolean> {
  return (await availability('MariaDB', MYSQL_URL, 3306)).ok;
}

export async function rabbitmqUp(): Promise<boolean> {
  return (await availability('RabbitMQ', AMQP_URL, 5672)).ok;
}

export async function natsUp(): Promise<boolean> {
  return (await availability('NATS', NATS_URL, 4222)).ok;
}

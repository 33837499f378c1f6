/**
 * A private redis-server on a free loopback port, for tests that stop and start Redis to simulate
 * an outage, or that need the seeds' own key names without touching the shared server. The game
 * days build their worlds with the same code.
 */
export { startRedisServer as startPrivateRedis, type RedisServer as PrivateRedis } from '../../src/gameday/services.js';

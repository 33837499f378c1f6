import type { Effect } from '../model.js';
import { verdict, type Verdict } from './effect.js';
import { own } from '../../lib/own.js';

/**
 * Redis commands by what they do, after the Redis command table's flags: `readonly` commands read,
 * `write` commands write, and the ones that delete data or connections are destructive.
 */
const READ = new Set(
  ('get mget exists ttl pttl type keys scan strlen getrange substr llen lrange lindex lpos hget hgetall hkeys hvals hlen hmget ' +
    'hexists hstrlen hscan smembers scard sismember smismember srandmember sscan sinter sunion sdiff zrange zrangebyscore ' +
    'zrevrange zrevrangebyscore zrangebylex zcard zscore zmscore zcount zrank zrevrank zscan xlen xrange xrevrange xread ' +
    'xpending pfcount bitcount bitpos getbit geopos geodist georadius_ro geosearch ping echo info dbsize time lastsave role ' +
    'monitor slowlog latency memory object command randomkey dump touch wait subscribe psubscribe pubsub auth select hello ' +
    'readonly readwrite quit').split(/\s+/),
);

const WRITE = new Set(
  ('set setex psetex setnx mset msetnx getset append incr incrby incrbyfloat decr decrby expire pexpire expireat pexpireat ' +
    'persist rename renamenx move copy restore lpush rpush lpushx rpushx linsert lset lpop rpop rpoplpush lmove blpop brpop ' +
    'blmove hset hsetnx hmset hincrby hincrbyfloat sadd spop smove sinterstore sunionstore sdiffstore zadd zincrby zpopmin ' +
    'zpopmax bzpopmin bzpopmax zunionstore zinterstore xadd xtrim xgroup xack xclaim xautoclaim pfadd pfmerge setbit ' +
    'setrange bitop geoadd publish save bgsave bgrewriteaof failover replicaof slaveof multi exec discard watch unwatch ' +
    'eval evalsha fcall swapdb migrate').split(/\s+/),
);

const DESTRUCTIVE: Record<string, string> = {
  del: 'DEL deletes keys',
  unlink: 'UNLINK deletes keys',
  getdel: 'GETDEL deletes a key',
  hdel: 'HDEL deletes hash fields',
  srem: 'SREM removes set members',
  zrem: 'ZREM removes sorted-set members',
  zremrangebyscore: 'ZREMRANGEBYSCORE removes sorted-set members',
  zremrangebyrank: 'ZREMRANGEBYRANK removes sorted-set members',
  lrem: 'LREM removes list elements',
  ltrim: 'LTRIM drops list elements',
  xdel: 'XDEL deletes stream entries',
  flushall: 'FLUSHALL deletes every key in every database',
  flushdb: 'FLUSHDB deletes every key in the database',
  shutdown: 'SHUTDOWN stops the Redis server',
};

/** Sub-commands of container commands (`CONFIG GET` reads, `CONFIG SET` writes). */
const SUBCOMMANDS: Record<string, Record<string, [Effect, string]>> = {
  client: {
    list: ['read', 'CLIENT LIST only reads'],
    info: ['read', 'CLIENT INFO only reads'],
    getname: ['read', 'CLIENT GETNAME only reads'],
    id: ['read', 'CLIENT ID only reads'],
    kill: ['destructive', 'CLIENT KILL ends client connections'],
    pause: ['write', 'CLIENT PAUSE stops serving clients'],
    setname: ['write', 'CLIENT SETNAME names the connection'],
  },
  config: {
    get: ['read', 'CONFIG GET only reads'],
    set: ['write', 'CONFIG SET changes the server configuration'],
    rewrite: ['write', 'CONFIG REWRITE rewrites redis.conf'],
    resetstat: ['write', 'CONFIG RESETSTAT clears statistics'],
  },
  cluster: {
    info: ['read', 'CLUSTER INFO only reads'],
    nodes: ['read', 'CLUSTER NODES only reads'],
    slots: ['read', 'CLUSTER SLOTS only reads'],
    shards: ['read', 'CLUSTER SHARDS only reads'],
    failover: ['write', 'CLUSTER FAILOVER promotes a replica'],
    reset: ['destructive', 'CLUSTER RESET drops the node from the cluster'],
    forget: ['write', 'CLUSTER FORGET removes a node from the table'],
    meet: ['write', 'CLUSTER MEET joins a node'],
  },
  script: {
    exists: ['read', 'SCRIPT EXISTS only reads'],
    flush: ['destructive', 'SCRIPT FLUSH deletes cached scripts'],
    load: ['write', 'SCRIPT LOAD caches a script'],
    kill: ['write', 'SCRIPT KILL stops a running script'],
  },
  slowlog: { get: ['read', 'SLOWLOG GET only reads'], len: ['read', 'SLOWLOG LEN only reads'], reset: ['write', 'SLOWLOG RESET clears the slow log'] },
  acl: { list: ['read', 'ACL LIST only reads'], whoami: ['read', 'ACL WHOAMI only reads'], setuser: ['write', 'ACL SETUSER changes a user'], deluser: ['destructive', 'ACL DELUSER deletes a user'] },
};

/** Classify one Redis command given as its words (`['DEL', 'nova:email:failed']`). */
export function redisVerdict(words: string[]): Verdict {
  const name = (words[0] ?? '').toLowerCase();
  const display = name.toUpperCase();
  if (!name) return verdict('read', 'no command', 'redis');
  const subs = own(SUBCOMMANDS, name);
  if (subs) {
    const sub = (words[1] ?? '').toLowerCase();
    const known = own(subs, sub);
    if (known) return verdict(known[0], known[1], 'redis');
    return verdict('unknown', `${display} ${sub.toUpperCase()} is not a Redis sub-command opsbook knows`, 'redis');
  }
  const destructive = own(DESTRUCTIVE, name);
  if (destructive) return verdict('destructive', destructive, 'redis');
  if (READ.has(name)) return verdict('read', `${display} only reads`, 'redis');
  if (WRITE.has(name)) return verdict('write', `${display} changes data`, 'redis');
  return verdict('unknown', `${display} is not a Redis command opsbook knows`, 'redis');
}

/** `redis-cli` options that take a value; the first other word is the command. */
const VALUE_OPTIONS = new Set(['-h', '-p', '-a', '-n', '-u', '-s', '-r', '-i', '-d', '-D', '--user', '--pass', '--sni', '--cacert', '--cacertdir', '--cert', '--key', '--tls-ciphers', '--tls-ciphersuites', '-e']);

/** Modes of redis-cli that are not Redis commands. */
const CLUSTER_MODES: Record<string, [Effect, string]> = {
  check: ['read', 'redis-cli --cluster check only reads'],
  info: ['read', 'redis-cli --cluster info only reads'],
  call: ['unknown', 'redis-cli --cluster call runs a command on every node'],
  'add-node': ['write', 'redis-cli --cluster add-node changes cluster membership'],
  'del-node': ['destructive', 'redis-cli --cluster del-node removes a node'],
  rebalance: ['write', 'redis-cli --cluster rebalance moves slots'],
  reshard: ['write', 'redis-cli --cluster reshard moves slots'],
  fix: ['write', 'redis-cli --cluster fix rewrites slot ownership'],
  create: ['write', 'redis-cli --cluster create builds a cluster'],
};

export interface RedisCliCall {
  /** The Redis command words, empty when redis-cli opens an interactive session. */
  command: string[];
  /** Set for modes that are not a Redis command (`--rdb`, `--cluster`…). */
  mode?: Verdict;
}

/** Read a redis-cli invocation's words (after `redis-cli`). */
export function readRedisCli(args: string[]): RedisCliCall {
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a === '--cluster') {
      const sub = (args[i + 1] ?? '').toLowerCase();
      const m = own(CLUSTER_MODES, sub);
      return { command: [], mode: m ? verdict(m[0], m[1], 'redis') : verdict('unknown', `redis-cli --cluster ${sub} is not known`, 'redis') };
    }
    if (a === '--rdb' || a === '--functions-rdb') return { command: [], mode: verdict('write', `redis-cli ${a} writes a snapshot to ${args[i + 1] ?? 'a file'}`, 'redis') };
    if (['--bigkeys', '--memkeys', '--hotkeys', '--stat', '--latency', '--latency-history', '--latency-dist', '--scan', '--intrinsic-latency'].includes(a)) {
      return { command: [], mode: verdict('read', `redis-cli ${a} only reads`, 'redis') };
    }
    if (a === '--pipe' || a === '--eval') return { command: [], mode: verdict('unknown', `redis-cli ${a} runs commands opsbook cannot see`, 'redis') };
    if (a.startsWith('-')) {
      if (VALUE_OPTIONS.has(a)) i++;
      else if (a.startsWith('--') && !a.includes('=') && a !== '--raw' && a !== '--no-raw' && a !== '--csv' && a !== '--tls' && a !== '--no-auth-warning' && a !== '--verbose' && a !== '--json') {
        return { command: [], mode: verdict('unknown', `redis-cli ${a} is an option opsbook does not know`, 'redis') };
      }
      continue;
    }
    return { command: args.slice(i) };
  }
  return { command: [] };
}

import type { Command } from '../../../runbooks/index.js';
import { paramKey, type ParamValues } from '../../params.js';
import { parseShell, shellQuote, ShellSyntaxError } from '../../shell-syntax.js';
import { substitute, type Executor, type ExecutorOutcome, type NotRunnable, type PrepareContext, type PreparedCommand, type RunOptions } from '../types.js';

/** redis-cli options that take a value: the connection comes from the service, so they are skipped. */
const VALUE_OPTIONS = new Set(['-h', '-p', '-a', '-n', '-u', '-s', '--user', '--pass', '--sni', '--cacert', '--cacertdir', '--cert', '--key']);
const FLAG_OPTIONS = new Set(['--raw', '--no-raw', '--csv', '--tls', '--no-auth-warning', '--verbose', '--json', '-c', '-e']);

/** Commands that block or stream until interrupted. */
const NEVER_ENDING = new Set(['monitor', 'subscribe', 'psubscribe', 'ssubscribe']);

/** The Redis command words of a line: `LLEN key` from a session, or the command after `redis-cli [options]`. */
export function redisWords(command: Command, params: ParamValues): { words: string[] } | { why: string; skip?: boolean } {
  let raw: { value: string; literal: boolean }[];
  try {
    const statements = parseShell(command.text.replace(/<([A-Za-z][\w.-]*)>/g, '@$1@'));
    if (statements.length !== 1 || statements[0]!.calls.length !== 1) return { why: 'redis-cli inside a pipeline or with other commands: run it in a terminal' };
    raw = statements[0]!.calls[0]!.words.map((w) => ({ value: w.value.replace(/@([A-Za-z][\w.-]*)@/g, '<$1>'), literal: w.literal }));
  } catch (e) {
    if (e instanceof ShellSyntaxError) return { why: `the Redis command does not parse: ${e.message}` };
    throw e;
  }
  if (raw[0]?.value === 'sudo') raw = raw.slice(1);
  if (raw[0]?.value === 'redis-cli' || raw[0]?.value.endsWith('/redis-cli')) {
    let i = 1;
    for (; i < raw.length; i++) {
      const w = raw[i]!.value;
      if (VALUE_OPTIONS.has(w)) i++;
      else if (FLAG_OPTIONS.has(w)) continue;
      else if (w.startsWith('-')) return { why: `redis-cli ${w} is a mode opsbook does not run: run it in a terminal` };
      else break;
    }
    raw = raw.slice(i);
    if (raw.length === 0) return { why: 'opens a redis-cli session: opsbook runs the session’s commands (the lines that follow) itself', skip: true };
  }
  const words: string[] = [];
  for (const w of raw) {
    if (!w.literal && /\$\(|`/.test(w.value)) return { why: 'a Redis argument uses command substitution, which opsbook does not run' };
    words.push(w.literal && !/<[A-Za-z][\w.-]*>|\{[A-Za-z_][\w-]*\}/.test(w.value) ? w.value : substitute(w.value, params, paramKey));
  }
  if (NEVER_ENDING.has((words[0] ?? '').toLowerCase())) return { why: `${words[0]} streams until interrupted: run it in redis-cli` };
  return { words };
}

/** A reply as redis-cli prints it. */
export function formatReply(reply: unknown, indent = ''): string {
  if (reply === null || reply === undefined) return '(nil)';
  if (typeof reply === 'number') return `(integer) ${reply}`;
  if (Buffer.isBuffer(reply)) return JSON.stringify(reply.toString('utf8'));
  if (typeof reply === 'string') return reply === 'OK' || reply === 'PONG' || reply.includes('\n') ? reply : JSON.stringify(reply);
  if (Array.isArray(reply)) {
    if (reply.length === 0) return '(empty array)';
    const width = String(reply.length).length;
    return reply
      .map((r, i) => `${i === 0 ? '' : indent}${String(i + 1).padStart(width)}) ${formatReply(r, `${indent}${' '.repeat(width + 2)}`)}`)
      .join('\n');
  }
  return String(reply);
}

async function runRedis(url: string, keyPrefix: string | undefined, words: string[], options: RunOptions): Promise<ExecutorOutcome> {
  // ioredis loads with the first Redis step, not with every module that can plan one.
  const { Redis } = await import('ioredis');
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    connectTimeout: Math.min(options.timeoutMs, 30_000),
    commandTimeout: options.timeoutMs,
    retryStrategy: () => null,
    ...(keyPrefix ? { keyPrefix } : {}),
  });
  client.on('error', () => {}); // reported through the command's own rejection
  let deadline: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  // One limit for connecting and the command together: a server that accepts and never answers fails
  // the ready check only after connectTimeout and commandTimeout both ran, as "Connection is closed".
  const ended = new Promise<never>((_, reject) => {
    onAbort = (): void => reject(Object.assign(new Error('cancelled'), { ended: 'cancelled' }));
    deadline = setTimeout(() => reject(Object.assign(new Error(`no answer within ${options.timeoutMs} ms`), { ended: 'timeout' })), options.timeoutMs);
    if (options.signal.aborted) onAbort();
    else options.signal.addEventListener('abort', onAbort, { once: true });
  });
  ended.catch(() => {});
  try {
    await Promise.race([client.connect(), ended]);
    const reply = await Promise.race([client.call(words[0]!, ...words.slice(1)), ended]);
    return { status: 'ok', exitCode: 0, stdout: `${formatReply(reply)}\n`, stderr: '', data: { reply: typeof reply === 'number' || typeof reply === 'string' || reply === null ? reply : undefined } };
  } catch (e) {
    const err = e as Error & { ended?: 'timeout' | 'cancelled' };
    const status = err.ended ?? (/timed? ?out/i.test(err.message) ? 'timeout' : 'failed');
    return { status, exitCode: 1, stdout: '', stderr: `(error) ${err.message}\n` };
  } finally {
    clearTimeout(deadline);
    if (onAbort) options.signal.removeEventListener('abort', onAbort);
    client.disconnect();
  }
}

/** Redis steps: each command parsed from the block and sent with ioredis, arguments as separate values. */
export const redisExecutor: Executor = {
  name: 'redis',
  prepare(command: Command, ctx: PrepareContext): PreparedCommand | NotRunnable {
    const parsed = redisWords(command, ctx.params);
    if ('why' in parsed) return { executor: 'redis', why: parsed.why, ...(parsed.skip ? { skip: true } : {}) };
    const service = ctx.service;
    if (!service) return { executor: 'redis', why: 'no service for this procedure: set procedures["FILE#ID"].service or pass --service' };
    const redis = service.redis;
    if (!redis?.url) return { executor: 'redis', why: `no redis url for service ${service.id}: set services[].redis.url` };
    const words = parsed.words;
    const args = words.slice(1);
    return {
      executor: 'redis',
      display: words.map(shellQuote).join(' '),
      confirmation: args.length > 0 ? args.join(' ') : words[0]!.toUpperCase(),
      run: (options) => runRedis(redis.url, redis.key_prefix, words, options),
    };
  },
};

import type { Command } from '../../runbooks/index.js';
import type { ExecutorName } from '../types.js';
import { httpExecutor } from './http-request/index.js';
import { redisExecutor } from './redis/index.js';
import { shellExecutor } from './shell/index.js';
import { sqlExecutor } from './sql/index.js';
import type { Executor, NotRunnable, PrepareContext, PreparedCommand } from './types.js';

export * from './types.js';
export { runInProcessGroup, which, MAX_OUTPUT_BYTES, KILL_GRACE_MS } from './shell/index.js';
export { bindSql, sqlOf } from './sql/index.js';
export { redisWords, formatReply } from './redis/index.js';
export { readCurl, rewriteUrl } from './http-request/index.js';

/** Targets that are not commands to run: what a person does with them instead. */
const MANUAL_TARGETS: Partial<Record<Command['target'], string>> = {
  text: 'text, not a command',
  config: 'configuration to apply by hand (it is not a command)',
  promql: 'a PromQL query: run it in Prometheus or Grafana',
};

/** Which executor a command goes to, from the reader's target and the program it starts. */
export function executorFor(command: Command): ExecutorName | NotRunnable {
  const manual = MANUAL_TARGETS[command.target];
  if (manual) return { executor: null, why: manual };
  if (command.target === 'sql') return 'sql';
  if (command.target === 'redis') return 'redis';
  if (command.target === 'http' && /^\s*curl\s/.test(command.text)) return 'http';
  if (command.target === 'mongo' && !/^\s*(mongosh|mongo|mongodump|mongorestore)\b/.test(command.text)) {
    return { executor: null, why: 'MongoDB shell code: run it in mongosh (opsbook has no MongoDB executor)' };
  }
  if (command.target === 'python' && !/^\s*(python[\d.]*|\.\/|manage\.py)/.test(command.text)) {
    return { executor: null, why: 'Python code to run in the application’s shell (it is not a command)' };
  }
  return 'shell';
}

export interface ExecutorSet {
  prepare(command: Command, ctx: PrepareContext): PreparedCommand | NotRunnable;
}

/**
 * The executors, with the block context shell steps need: `previous` gives the commands before
 * this one in its block, so variables they set reach it.
 */
export function executorSet(previous: (command: Command) => Command[] = () => []): ExecutorSet {
  const byName: Record<ExecutorName, Executor> = {
    shell: shellExecutor(previous),
    sql: sqlExecutor,
    redis: redisExecutor,
    http: httpExecutor,
  };
  return {
    prepare(command, ctx) {
      const route = executorFor(command);
      if (typeof route !== 'string') return route;
      return byName[route].prepare(command, ctx);
    },
  };
}

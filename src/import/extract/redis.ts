import type { FileContext } from '../context.js';
import type { QueueCheck } from './thresholds.js';

/**
 * Queue-length checks from `LLEN key` lines (`redis-cli -h prod-redis LLEN jobs`, or LLEN typed
 * at a redis-cli prompt). The Redis URL is a TODO; the host the runbook names goes in a note.
 */
export function extractQueueChecks(ctx: FileContext, linkFor: (terms: string[]) => string | undefined): QueueCheck[] {
  const out: QueueCheck[] = [];
  for (const block of ctx.runbook.blocks) {
    for (const command of block.commands) {
      if (command.target !== 'redis') continue;
      const m = /(?:^|\s)LLEN\s+["']?([^\s"'|]+)/i.exec(command.text);
      if (!m || /[<>{}$]/.test(m[1]!) || out.some((q) => q.key === m[1])) continue;
      const key = m[1]!;
      const host = /-h\s+(\S+)/.exec(command.text)?.[1];
      const body: Record<string, unknown> = {
        kind: 'redis',
        service: ctx.service,
        url: ctx.todo('redis_url', `redis:// URL of the Redis that holds the queues${host ? ` (the runbook uses host ${host})` : ''}`),
        key,
      };
      const runbook = linkFor([key]);
      if (runbook) body.runbook = runbook;
      const item = ctx.add({ section: 'checks', body, sources: [ctx.src(command.line)], notes: [`the runbook runs: ${command.text.trim()}`, '[LENGTH] is the queue length'] }, `${ctx.service}-queue-${key}`);
      ctx.found('check', `${item.id}: redis LLEN ${key}`, command.line);
      out.push({ key, item });
    }
  }
  return out;
}

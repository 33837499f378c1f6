import type { Proposal } from './model.js';

/**
 * Values for every TODO and credential variable of a proposal, as a person filling them in would choose: URLs for
 * URLs, a user name per user, an existing check of the right kind for a check id. Used by tests to
 * prove that a filled-in proposal validates.
 */
export function fillTodos(proposal: Proposal): Record<string, string> {
  const env: Record<string, string> = {};
  const checks = proposal.items.filter((i) => i.section === 'checks');
  const kindOf = (want: string[]): string => checks.find((c) => want.includes(String(c.body.kind)))?.id ?? checks[0]?.id ?? 'missing';
  const usedBy = (name: string): Record<string, unknown> | undefined =>
    proposal.items.find((i) => i.section === 'slos' && JSON.stringify(i.body).includes(`\${${name}}`))?.body;
  proposal.todos.forEach(({ name }, n) => {
    let value: string;
    if (name.endsWith('_REDIS_URL')) value = 'redis://127.0.0.1:6379';
    else if (name.endsWith('_POSTGRES_URL')) value = 'postgres://127.0.0.1:5432/postgres';
    else if (name.endsWith('_MONGODB_URL')) value = 'mongodb://127.0.0.1:27017';
    else if (name.endsWith('_URL')) value = `https://host${n}.test`;
    else if (name.endsWith('_SELECTOR')) value = `todo_metric_${n}`;
    else if (name.endsWith('_HISTOGRAM')) value = `todo_seconds_${n}`;
    else if (name.endsWith('_RESPONSE')) value = '1h';
    else if (name.endsWith('_OBJECTIVE')) value = '99%';
    else if (name.endsWith('_TIMEOUT')) value = '15m';
    else if (name.endsWith('_ALERT_AT')) value = '100';
    else if (name.endsWith('_EMAIL')) value = `person${n}@example.test`;
    else if (name.endsWith('_JSON_PATH')) value = `.todo${n}`;
    else if (name.endsWith('_BACKUP_PATH')) value = `/backups/todo${n}/*.dump`;
    else if (name.endsWith('_TLS_HOST')) value = 'tls.test';
    else if (name.endsWith('_CHECK')) {
      const kind = String(usedBy(name)?.kind ?? '');
      value = kind === 'error_ratio' ? kindOf(['metrics']) : kind === 'recovery_point' ? kindOf(['file', 'heartbeat']) : kindOf(['http', 'json']);
    } else value = `todo-${n}`;
    env[name] = value;
  });
  for (const { name } of proposal.credentials) env[name] = `secret-${name.toLowerCase()}`;
  return env;
}

/**
 * Code block languages. A fence's info string is normalised to a family the classifier knows;
 * a fence without one gets a language inferred from its first lines.
 */
import { own } from '../lib/own.js';

export type LanguageFamily = 'shell' | 'console' | 'sql' | 'redis' | 'promql' | 'python' | 'javascript' | 'config' | 'text' | 'other';

const FAMILIES: Record<string, LanguageFamily> = {
  sh: 'shell', bash: 'shell', shell: 'shell', zsh: 'shell', ksh: 'shell', posix: 'shell',
  console: 'console', 'shell-session': 'console', shellsession: 'console', terminal: 'console',
  sql: 'sql', psql: 'sql', pgsql: 'sql', postgres: 'sql', postgresql: 'sql', plpgsql: 'sql',
  redis: 'redis', 'redis-cli': 'redis',
  promql: 'promql', prometheus: 'promql',
  python: 'python', py: 'python', python3: 'python', django: 'python',
  javascript: 'javascript', js: 'javascript', mongodb: 'javascript', mongo: 'javascript', mongosh: 'javascript', node: 'javascript', typescript: 'javascript', ts: 'javascript',
  yaml: 'config', yml: 'config', json: 'config', toml: 'config', ini: 'config', env: 'config', dotenv: 'config', conf: 'config', properties: 'config', hcl: 'config', xml: 'config', nginx: 'config', dockerfile: 'config',
  text: 'text', txt: 'text', plain: 'text', plaintext: 'text', ascii: 'text', diagram: 'text', mermaid: 'text', markdown: 'text', md: 'text', log: 'text', output: 'text',
};

export function familyOf(language: string): LanguageFamily {
  return own(FAMILIES, language.toLowerCase()) ?? 'other';
}

const SQL_START = /^\s*(SELECT|WITH|SHOW|EXPLAIN|UPDATE|INSERT|DELETE|DROP|TRUNCATE|VACUUM|ANALYZE|REINDEX|CREATE|ALTER|GRANT|REVOKE|COPY|CLUSTER|CHECKPOINT)\b/;
const SHELL_START = /^\s*(sudo\s+)?(kubectl|curl|wget|redis-cli|psql|pg_\w+|mongosh|mongo|mongodump|mongorestore|python3?|celery|aws|mc|docker|docker-compose|systemctl|git|rm|find|ls|cat|tail|grep|echo|export|cd|helm|ssh|journalctl|npm|pip3?|make|\.\/\S+)\b/;
const BOX = /[─│┌┐└┘├┤┬┴┼═║╔╗╚╝▶▼◀▲→←]/;

/** The language of a fence without one: looked for in its first meaningful lines. */
export function inferLanguage(code: string): string {
  if (BOX.test(code)) return 'text';
  const lines = code.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) return 'text';
  const meaningful = lines.filter((l) => !/^\s*(#|--|\/\/)/.test(l));
  const first = meaningful[0] ?? lines[0] ?? '';
  if (/^\s*\$ \S/.test(first)) return 'console';
  if (SQL_START.test(first)) return 'sql';
  if (SHELL_START.test(first)) return 'bash';
  if (/^\s*(from\s+\S+\s+import|import\s+\w|def\s+\w+\(|class\s+\w+[(:])/.test(first)) return 'python';
  if (/^\s*(db\.|rs\.|use\s+\w+$)/.test(first)) return 'javascript';
  if (/^\s*[{[]/.test(first)) return 'json';
  if (meaningful.every((l) => /^\s*([\w.-]+:(\s|$)|- |#)/.test(l))) return 'yaml';
  if (meaningful.every((l) => /^\s*[A-Z_][A-Z0-9_]*=/.test(l))) return 'env';
  if (/^\s*(sum|rate|irate|increase|histogram_quantile|avg|max|min|count)\s*(by\s*\([^)]*\)\s*)?\(/.test(first)) return 'promql';
  return 'text';
}

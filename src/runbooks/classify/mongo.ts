import { hasFlag, optionValue } from './args.js';
import { classifyCalls, MONGO_CALLS, mongoCommandEffect } from './code-calls.js';
import { combine, verdict, type Verdict } from './effect.js';
import { speedups } from '../speedups.js';

/** mongosh / mongo shell JavaScript: by the methods it calls. */
export function mongoCodeVerdict(code: string): Verdict {
  const parts: Verdict[] = [];
  // Most snippets run no admin command: neither pattern naming one is tried then.
  const runsCommand = !speedups().prechecks || code.includes('Command');
  const command = runsCommand ? mongoCommandEffect(code) : undefined;
  if (command) parts.push(verdict(command, command === 'read' ? 'the admin command only reads' : 'the admin command changes the server', 'mongo'));
  const rest = runsCommand ? code.replace(/[\w.]*\.(adminCommand|runCommand)\s*\(/g, '(') : code;
  if (/\$(out|merge)\b/.test(code)) parts.push(verdict('write', 'an aggregation with $out/$merge writes a collection', 'mongo'));
  const calls = classifyCalls(rest, 'javascript', MONGO_CALLS, 'mongo', 'the mongo shell code');
  if (!(command && calls.reasons.some((r) => r.endsWith('calls nothing')))) parts.push(calls);
  const out = combine(parts, 'mongo');
  if (out.effect !== 'read') out.reasons = out.reasons.filter((r) => !r.endsWith('only reads') && !r.endsWith('calls nothing'));
  return out;
}

export function mongoshVerdict(args: string[]): Verdict {
  const code = optionValue(args, '--eval');
  if (code !== undefined) return mongoCodeVerdict(code);
  if (optionValue(args, '-f', '--file') || args.some((a) => a.endsWith('.js'))) return verdict('unknown', 'mongosh runs a script opsbook cannot see into', 'mongo');
  return verdict('unknown', 'mongosh opens an interactive shell', 'mongo');
}

export function mongodumpVerdict(args: string[]): Verdict {
  const out = optionValue(args, '--out', '-o', '--archive');
  return verdict('write', `mongodump reads the database and writes a dump${out ? ` to ${out}` : ''}`, 'mongo');
}

export function mongorestoreVerdict(args: string[]): Verdict {
  if (hasFlag(args, '--dryRun', '--dry-run')) return verdict('read', 'mongorestore --dryRun changes nothing', 'mongo');
  if (hasFlag(args, '--drop')) return verdict('destructive', 'mongorestore --drop drops collections before restoring', 'mongo');
  return verdict('write', 'mongorestore writes documents into the database', 'mongo');
}

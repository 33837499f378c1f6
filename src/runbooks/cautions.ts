import { hasFlag } from './classify/args.js';
import type { Command } from './model.js';

/** Something a responder should know before running a command that only reads. */
export interface Caution {
  code: 'non-terminating' | 'dangerous-read';
  message: string;
}

/** Words of each simple command in a shell text, split at pipes and command separators. */
function segments(text: string): string[][] {
  return text
    .replace(/\\\n/g, ' ')
    .split(/\|\|?|&&|;|\n/)
    .map((s) => s.trim().split(/\s+/).filter((w) => w !== ''))
    .filter((ws) => ws.length > 0);
}

/** The program and its arguments, past `sudo`, `env`, `VAR=value` and wrappers' `--`. */
function call(words: string[]): [string, string[]] {
  let i = 0;
  while (i < words.length && (/^(sudo|env|nohup|time|command|exec)$/.test(words[i]!) || /^[A-Za-z_]\w*=/.test(words[i]!) || (words[i]!.startsWith('-') && i > 0 && /^(sudo|env)$/.test(words[i - 1]!)))) i++;
  const rest = words.slice(i);
  const program = (rest[0] ?? '').replace(/^.*\//, '');
  return [program, rest.slice(1)];
}

const FOLLOW = ['-f', '-F', '--follow'];

/** Commands that never end on their own: a runbook step that runs one waits forever. */
function nonTerminating(program: string, args: string[]): string | undefined {
  const verb = args.find((a) => !a.startsWith('-')) ?? '';
  if (program === 'watch') return 'watch repeats its command until it is interrupted';
  if (program === 'stern') return 'stern follows logs until it is interrupted';
  if ((program === 'tail' || program === 'journalctl') && hasFlag(args, ...FOLLOW)) return `${program} -f follows the log until it is interrupted`;
  if ((program === 'kubectl' || program === 'oc') && verb === 'logs' && hasFlag(args, '-f', '--follow')) return `${program} logs -f follows the log until it is interrupted`;
  if ((program === 'kubectl' || program === 'oc') && /^(get|events|rollout)$/.test(verb) && hasFlag(args, '-w', '--watch', '--watch-only')) return `${program} ${verb} --watch watches until it is interrupted`;
  if (/^(docker|podman|docker-compose)$/.test(program) && args.includes('logs') && hasFlag(args, '-f', '--follow')) return `${program} logs -f follows the log until it is interrupted`;
  if (/^(docker|podman)$/.test(program) && (verb === 'events' || (verb === 'stats' && !args.includes('--no-stream')))) return `${program} ${verb} streams until it is interrupted`;
  if (program === 'ping' && !hasFlag(args, '-c', '-w')) return 'ping without -c pings until it is interrupted';
  if ((program === 'top' || program === 'htop') && !hasFlag(args, '-b', '-n')) return `${program} is interactive: it runs until it is quit`;
  if (program === 'redis-cli') {
    const cmd = redisCommand(args);
    if (cmd === 'MONITOR' || cmd === 'SUBSCRIBE' || cmd === 'PSUBSCRIBE') return `redis-cli ${cmd} streams until it is interrupted`;
    if (args.includes('--stat') || args.includes('--latency')) return 'redis-cli --stat/--latency samples until it is interrupted';
  }
  return undefined;
}

/** The Redis command of a redis-cli invocation (its first word that is not an option or an option's value). */
function redisCommand(args: string[]): string {
  const valued = new Set(['-h', '-p', '-a', '-n', '-u', '-s', '--user', '--pass', '--tls-cert', '--tls-key', '--cacert', '-r', '-i', '-d', '--pattern', '--count']);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (valued.has(a)) i++;
    else if (!a.startsWith('-')) return a.toUpperCase();
  }
  return '';
}

/** Redis commands that only read yet stall a production server: they walk every key in one go. */
function dangerousRedis(cmd: string): string | undefined {
  if (cmd === 'KEYS') return 'KEYS walks every key in one blocking call and stalls a production Redis; use SCAN (redis-cli --scan --pattern …)';
  if (cmd === 'MONITOR') return 'MONITOR streams every command and can halve a production Redis’s throughput';
  return undefined;
}

/** What a reviewer should be told about a command beyond its effect. */
export function cautionsOf(c: Command): Caution[] {
  const out: Caution[] = [];
  if (c.target === 'redis' && !/^\s*(sudo\s+)?redis-cli\b/.test(c.text)) {
    // A line of a redis-cli session or a redis block: the command itself.
    const danger = dangerousRedis((c.text.trim().split(/\s+/)[0] ?? '').toUpperCase());
    if (danger) out.push({ code: 'dangerous-read', message: danger });
    return out;
  }
  if (c.target === 'sql' || c.target === 'promql' || c.target === 'python' || c.target === 'mongo') return out;
  const all = segments(c.text).flatMap((ws) => (ws.includes('--') ? [ws, ws.slice(ws.indexOf('--') + 1)] : [ws]));
  for (const words of all) {
    const [program, args] = call(words);
    const endless = nonTerminating(program, args);
    if (endless) out.push({ code: 'non-terminating', message: endless });
    if (program === 'redis-cli') {
      const danger = dangerousRedis(redisCommand(args));
      if (danger) out.push({ code: 'dangerous-read', message: danger });
    }
  }
  return out;
}

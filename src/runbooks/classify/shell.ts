import type { Target } from '../model.js';
import { afterPositionals, optionValue, positionals } from './args.js';
import { awsVerdict, mcVerdict } from './cloud.js';
import { combine, verdict, type Verdict } from './effect.js';
import { curlVerdict, httpieVerdict, wgetVerdict } from './http.js';
import { kubectlVerdict } from './kubectl.js';
import { mongodumpVerdict, mongorestoreVerdict, mongoshVerdict } from './mongo.js';
import { findRule, isReader, PG_VALUE_OPTIONS, READER_NAMES, readerReason, simpleRule } from './programs.js';
import { celeryVerdict, manageVerdict, pythonVerdict } from './python.js';
import { readRedisCli, redisVerdict } from './redis.js';
import { ShellSyntaxError, type ShCall, type ShStatement } from './shell-parse.js';
import { readShell } from './shell-plain.js';
import { sqlVerdict } from './sql.js';

/** Redirections that do not write anything worth a confirmation. */
const HARMLESS_TARGETS = /^(\/dev\/null|\/dev\/stdout|\/dev\/stderr|&?[0-9]|-)$/;

/** What `.` in a pattern does not match. */
const LINE_BREAK = /[\n\r\u2028\u2029]/;

// Options that take a value, per wrapper: made once, not per command read.
const SUDO_OPTIONS = new Set(['-u', '--user', '-g', '--group', '-C', '-h', '-p']);
const TIMEOUT_OPTIONS = new Set(['-s', '--signal', '-k', '--kill-after']);
const WATCH_OPTIONS = new Set(['-n', '--interval', '-d']);
const XARGS_OPTIONS = new Set(['-I', '-n', '-P', '-d', '-L', '-s', '-E']);
const SSH_OPTIONS = new Set(['-i', '-p', '-l', '-o', '-F', '-J', '-L', '-R', '-D']);

/** Classify a program invocation given as plain words (`['kubectl', 'get', 'pods']`). */
export function classifyWords(words: string[], piped = false): Verdict {
  return classifyProgram(words[0] ?? '', words.slice(1), piped);
}

/** `classifyWords` with the first word and the arguments given apart, for a caller that has them so (no list of all words made). */
export function classifyProgram(first: string, args: string[], piped = false): Verdict {
  // The name after the last `/` of its first line (`.` stops at a line break): most names have no `/` at all.
  const program = !first.includes('/') ? first : LINE_BREAK.test(first) ? first.replace(/^.*\//, '') : first.slice(first.lastIndexOf('/') + 1);
  if (!program) return verdict('read', 'no command', 'shell');
  // A program that only reads and has no case below nor rule of its own (grep, echo, jq, tail…):
  // what `byProgramName` gives it, without the cases first.
  const readerSays = PLAIN_READERS.get(program);
  if (readerSays !== undefined) return verdict('read', readerSays, targetOf(program));
  // A program with no case below goes straight to its rule; one with a case is switched on as the
  // case's own (interned) string, which each case compares by reference.
  const named = CASE_NAMES.get(program);
  if (named === undefined) return byProgramName(program, args, piped);
  switch (named) {
    case 'sudo': {
      const rest = positionals(args, SUDO_OPTIONS);
      const inner = classifyWords(args.slice(args.indexOf(rest[0] ?? '')), piped);
      return rest.length ? inner : verdict('unknown', 'sudo with no command', 'shell');
    }
    case 'env':
    case 'nohup':
    case 'time':
    case 'nice':
    case 'ionice':
    case 'stdbuf':
    case 'command':
    case 'exec': {
      const rest = args.filter((a) => !/^-/.test(a) && !/^[A-Za-z_]\w*=/.test(a));
      return rest.length ? classifyWords(args.slice(args.indexOf(rest[0]!)), piped) : verdict('read', `${program} only prints`, 'shell');
    }
    case 'timeout':
      return classifyWords(positionals(args, TIMEOUT_OPTIONS).slice(1), piped);
    case 'watch': {
      const rest = positionals(args, WATCH_OPTIONS);
      const v = classifyText(rest.join(' '));
      return { ...v, reasons: v.reasons.map((r) => `watch repeats: ${r}`) };
    }
    case 'xargs': {
      const rest = positionals(args, XARGS_OPTIONS);
      const v = classifyWords(args.slice(args.indexOf(rest[0] ?? '')), true);
      return rest.length ? { ...v, reasons: v.reasons.map((r) => `xargs runs: ${r}`) } : verdict('read', 'xargs echo only prints', 'shell');
    }
    case 'ssh': {
      const rest = positionals(args, SSH_OPTIONS);
      if (rest.length < 2) return verdict('unknown', 'ssh opens an interactive session', 'shell');
      const v = classifyText(rest.slice(1).join(' '));
      return { ...v, reasons: v.reasons.map((r) => `on ${rest[0]}: ${r}`) };
    }
    case 'bash':
    case 'sh':
    case 'zsh': {
      const code = optionValue(args, '-c');
      return code === undefined ? verdict('unknown', `${program} runs a script opsbook cannot see into`, 'shell') : classifyText(code);
    }
    case 'kubectl':
    case 'oc':
      return kubectlVerdict(args, (inner) => classifyWords(inner), program);
    case 'curl':
      return curlVerdict(args);
    case 'wget':
      return wgetVerdict(args);
    case 'http':
    case 'https':
      return httpieVerdict(args);
    case 'redis-cli': {
      const call = readRedisCli(args);
      if (call.mode) return call.mode;
      if (call.command.length === 0) {
        return piped ? verdict('unknown', 'redis-cli runs commands from its input', 'redis') : verdict('read', 'redis-cli opens a session', 'redis');
      }
      return redisVerdict(call.command);
    }
    case 'psql': {
      const sql = optionValue(args, '-c', '--command');
      if (sql !== undefined) return sqlVerdict(sql);
      if (piped && !optionValue(args, '-f', '--file')) {
        const db = optionValue(args, '-d', '--dbname') ?? positionals(args, PG_VALUE_OPTIONS)[0];
        // `gunzip < dump | psql DB`: a dump loaded onto a database lands on what is there.
        if (db) return { ...verdict('destructive', `psql loads SQL from its input into database ${db}, over what is there (a restore)`, 'sql'), restoresInto: db };
      }
      if (optionValue(args, '-f', '--file')) return verdict('unknown', `psql runs SQL from ${optionValue(args, '-f', '--file')}, which opsbook cannot see`, 'sql');
      if (args.includes('-l') || args.includes('--list')) return verdict('read', 'psql -l only lists databases', 'sql');
      return piped ? verdict('unknown', 'psql runs SQL from its input, which opsbook cannot see', 'sql') : verdict('unknown', 'psql opens an interactive session', 'sql');
    }
    case 'mongosh':
    case 'mongo':
      return mongoshVerdict(args);
    case 'mongodump':
      return mongodumpVerdict(args);
    case 'mongorestore':
      return mongorestoreVerdict(args);
    case 'python':
    case 'python3':
      return pythonVerdict(args);
    case 'manage.py':
      return manageVerdict(args);
    case 'celery':
      return celeryVerdict(args);
    case 'aws':
      return awsVerdict(args);
    case 'mc':
      return mcVerdict(args, (text) => classifyText(text.replace(/\{\}/g, 'OBJECT')));
    case 'find':
      return findRule(args, (inner) => classifyWords(inner.map((w) => (w === '{}' ? 'FILE' : w))));
    case 'docker':
    case 'docker-compose':
    case 'podman': {
      const exec = dockerExec(program, args);
      if (exec) return exec;
      break;
    }
    default:
      break;
  }
  return byProgramName(program, args, piped);
}

/** Programs with a case of their own in `classifyWords` (`command-effects.test.ts` holds the two lists together). */
export const OWN_CASES: ReadonlySet<string> = new Set(['sudo', 'env', 'nohup', 'time', 'nice', 'ionice', 'stdbuf', 'command', 'exec', 'timeout', 'watch', 'xargs', 'ssh', 'bash', 'sh', 'zsh', 'kubectl', 'oc', 'curl', 'wget', 'http', 'https', 'redis-cli', 'psql', 'mongosh', 'mongo', 'mongodump', 'mongorestore', 'python', 'python3', 'manage.py', 'celery', 'aws', 'mc', 'find', 'docker', 'docker-compose', 'podman']);
/** Each name of `OWN_CASES`, by itself. */
const CASE_NAMES = new Map([...OWN_CASES].map((p) => [p, p]));
/**
 * Readers (`isReader`) that `classifyWords` reaches only through `byProgramName`, with no rule
 * before the reader's verdict, each with its reason: one look finds both.
 */
const PLAIN_READERS = new Map(READER_NAMES.filter((p) => !OWN_CASES.has(p) && !simpleRule(p)).map((p) => [p, readerReason(p)]));

/** Programs with no case of their own: a known rule, a reader, a wrapper of another command. */
function byProgramName(program: string, args: string[], piped: boolean): Verdict {
  const rule = simpleRule(program);
  if (rule) return rule(args);
  if (isReader(program)) return verdict('read', readerReason(program), targetOf(program));
  // A wrapper (`ENV-TOOL aws ROLE -- kubectl get …`) runs the command after `--`.
  const dashdash = args.indexOf('--');
  if (dashdash >= 0 && dashdash < args.length - 1) {
    const v = classifyWords(args.slice(dashdash + 1), piped);
    return { ...v, reasons: [`${program} runs the command after --`, ...v.reasons] };
  }
  return verdict('unknown', `${program} is not a program opsbook knows`, 'shell');
}

const DOCKER_EXEC_OPTIONS = new Set(['-e', '--env', '--env-file', '-u', '--user', '-w', '--workdir', '--detach-keys', '--index', '-H', '--host', '--context', '-f', '--file', '-p', '--project-name']);

/** `docker exec CONTAINER CMD…` and `docker compose exec SERVICE CMD…`: as dangerous as CMD. */
function dockerExec(program: string, args: string[]): Verdict | undefined {
  let rest = args;
  const first = positionals(args, DOCKER_EXEC_OPTIONS)[0];
  if (first === 'compose') rest = args.slice(args.indexOf('compose') + 1);
  if (first === 'container') rest = args.slice(args.indexOf('container') + 1);
  const pos = positionals(rest, DOCKER_EXEC_OPTIONS);
  if (pos[0] !== 'exec') return undefined;
  const inner = afterPositionals(rest, 2, DOCKER_EXEC_OPTIONS);
  const name = `${program}${rest === args ? '' : ` ${first}`} exec`;
  if (inner.length === 0) return verdict('unknown', `${name} with no command`, 'docker');
  const v = classifyWords(inner);
  if (/^(ba|z|k)?sh$/.test(inner[0]!) && inner.length === 1) return verdict('unknown', `${name} opens an interactive shell`, 'docker');
  return { ...v, reasons: [`${name} runs a command inside a container`, ...v.reasons.map((r) => `inside: ${r}`)], target: 'docker' };
}

function targetOf(_program: string): Target {
  return 'shell';
}

/** Classify one simple command with its redirections. */
export function classifyCall(call: ShCall): Verdict {
  const parts: Verdict[] = [];
  // Input redirected from a file (`psql db < dump.sql`) is input like a pipe.
  if (call.words.length > 0) parts.push(classifyWords(call.words.map((w) => w.value), call.piped || call.redirects.some((r) => r.op === '<')));
  else if (call.assigns.length > 0) parts.push(verdict('read', `sets shell variable ${call.assigns.join(', ')}`, 'shell'));
  for (const r of call.redirects) {
    if ((r.op === '>' || r.op === '>>' || r.op === '&>' || r.op === '&>>' || r.op === '>|' || r.op === '<>') && !HARMLESS_TARGETS.test(r.target)) {
      parts.push(verdict('write', `${r.op} writes to ${r.target}`, 'shell'));
    }
  }
  return combine(parts, 'shell');
}

/** The verdict of a statement: the most dangerous of its commands; the target of its main program. */
export function classifyStatement(st: ShStatement): Verdict {
  const verdicts = st.calls.map(classifyCall);
  const out = combine(verdicts, 'shell');
  const main = verdicts.find((v) => v.target !== 'shell');
  out.target = main?.target ?? 'shell';
  if (out.effect !== 'read') out.reasons = out.reasons.filter((r) => !/ only (reads|prints|lists)/.test(r) && !r.startsWith('sets shell variable'));
  return out;
}

/** Parse and classify shell text given inline (the argument of `watch`, `ssh host '…'`). */
export function classifyText(text: string): Verdict {
  try {
    const stmts = readShell(text);
    return combine(stmts.map(classifyStatement), 'shell');
  } catch (e) {
    if (e instanceof ShellSyntaxError) return verdict('unknown', `shell does not parse: ${e.message}`, 'shell');
    throw e;
  }
}


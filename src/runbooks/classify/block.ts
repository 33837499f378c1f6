import type { Command, Effect, Target } from '../model.js';
import { familyOf, type LanguageFamily } from '../language.js';
import { anglePlaceholders, textPlaceholders, unique, variablePlaceholders } from '../placeholders.js';
import { verdict, worse, type Verdict } from './effect.js';
import { mongoCodeVerdict } from './mongo.js';
import { promqlParses, promqlVerdict } from './promql.js';
import { pythonCodeVerdict } from './python.js';
import { readRedisCli, redisVerdict } from './redis.js';
import { classifyStatement } from './shell.js';
import { ShellSyntaxError, type ShStatement } from './shell-parse.js';
import { statementVerdict } from './statement.js';
import { readShell } from './shell-plain.js';
import { speedups, TextCache } from '../speedups.js';
import { classifySql } from './sql.js';

export interface BlockClassification {
  target: Target;
  effect: Effect;
  reasons: string[];
  placeholders: string[];
  commands: Command[];
}

/** SQL written straight into a shell block (no psql around it) starts with an upper-case keyword. */
const SQL_LINE = /^\s*(SELECT|WITH|SHOW|EXPLAIN|UPDATE|INSERT INTO|DELETE FROM|DROP|TRUNCATE|VACUUM|ANALYZE|REINDEX|CREATE|ALTER TABLE|GRANT|REVOKE)\b/;
/** `SQL_LINE` at the start of any line of a text. */
const SQL_IN_TEXT = new RegExp(SQL_LINE.source, 'm');
/** A keyword of `SQL_LINE` where it stands. */
const SQL_KEYWORD_AT = new RegExp(SQL_LINE.source.replace('^\\s*', ''), 'y');
const SPACE = /\s/;

/**
 * `SQL_IN_TEXT.test(code)` by looking only where lines start: a multiline pattern tries every
 * position of the text, and most shell blocks have no SQL.
 */
function hasSqlLine(code: string): boolean {
  // Three looks for one character each: a character class is tried at every position.
  if (code.includes('\r') || code.includes('\u2028') || code.includes('\u2029')) return SQL_IN_TEXT.test(code);
  for (let at = 0; ; ) {
    let i = at;
    for (; i < code.length; i++) {
      const c = code.charCodeAt(i);
      // Blanks before the keyword: `\s` but the line's end.
      if (!(c === 32 || c === 9 || c === 11 || c === 12 || (c > 127 && SPACE.test(code[i]!)))) break;
    }
    const c = code.charCodeAt(i);
    if (c >= 65 && c <= 90) {
      SQL_KEYWORD_AT.lastIndex = i;
      if (SQL_KEYWORD_AT.test(code)) return true;
    }
    const nl = code.indexOf('\n', i);
    if (nl < 0) return false;
    at = nl + 1;
  }
}
const REDIS_PROMPT = /^(\s*)((?:[\w.-]+:\d+)?>\s+)(\S.*)$/;
/** A line that may open a redis-cli session (a session when it names no command and prompts follow). */
const REDIS_CLI_LINE = /^\s*(sudo\s+)?redis-cli\b[^|;&>]*$/;

/**
 * Whether a line of the text may open a redis-cli session whose `> CMD` lines are read apart: a
 * `redis-cli` line followed by a prompt line. Most blocks that name redis-cli run one command with it.
 */
function mayHoldRedisSession(code: string): boolean {
  for (let at = code.indexOf('redis-cli'); at >= 0; at = code.indexOf('redis-cli', at + 1)) {
    const start = code.lastIndexOf('\n', at) + 1;
    const nl = code.indexOf('\n', at);
    if (nl < 0) return false;
    const next = code.indexOf('\n', nl + 1);
    if (REDIS_CLI_LINE.test(code.slice(start, nl)) && REDIS_PROMPT.test(code.slice(nl + 1, next < 0 ? code.length : next))) return true;
  }
  return false;
}
/** Angle placeholders become `@name@`, a plain shell word of the same length, so `<pod-name>` is not read as redirections. */
const PROTECT = /<([A-Za-z][\w.-]*)>/g;
const UNPROTECT = /@([A-Za-z][\w.-]*)@/g;

function command(text: string, line: number, v: Verdict, placeholders: string[]): Command {
  const out: Command = { text, line, target: v.target, effect: v.effect, reasons: v.reasons, placeholders };
  if (v.restoresInto !== undefined) out.restoresInto = v.restoresInto;
  if (v.createsDatabase !== undefined) out.createsDatabase = v.createsDatabase;
  return out;
}

/**
 * Classify a code block command by command. `firstLine` is the file line of the block's first
 * code line. The block's effect is the most dangerous of its commands.
 */
export function classifyBlock(code: string, language: string, firstLine: number): BlockClassification {
  let family: LanguageFamily = familyOf(language);
  if (family === 'shell' && (!speedups().prechecks || code.includes('$ ')) && /^\s*\$ \S/m.test(code) && code.split('\n').some((l) => /^\s*\$ /.test(l))) family = 'console';
  const commands = commandsOf(code, family, firstLine);
  if (commands.length === 0) return emptyBlock(family, code);
  // A block of one command (most are) is that command, with its own lists copied.
  if (commands.length === 1) {
    const c = commands[0]!;
    return { target: c.target, effect: c.effect, reasons: distinctCopy(c.reasons), placeholders: distinctCopy(c.placeholders), commands };
  }
  const placeholders = new Set<string>();
  let effect = commands[0]!.effect;
  // The commands' target when they all share one, else the family's.
  let target: Target | undefined = commands[0]!.target;
  for (const c of commands) {
    for (const p of c.placeholders) placeholders.add(p);
    effect = worse(effect, c.effect);
    if (c.target !== target) target = undefined;
  }
  // The block's reasons are those of its most dangerous commands.
  const reasons = new Set<string>();
  for (const c of commands) if (c.effect === effect) for (const r of c.reasons) reasons.add(r);
  return { target: target ?? defaultTarget(family), effect, reasons: [...reasons], placeholders: [...placeholders], commands };
}

/** `unique(items)`: a list of one item (most are) is its own copy. */
function distinctCopy(items: string[]): string[] {
  return items.length < 2 ? items.slice() : unique(items);
}

function defaultTarget(family: LanguageFamily): Target {
  switch (family) {
    case 'sql': return 'sql';
    case 'redis': return 'redis';
    case 'promql': return 'promql';
    case 'python': return 'python';
    case 'javascript': return 'mongo';
    case 'config': return 'config';
    case 'text': return 'text';
    default: return 'shell';
  }
}

function emptyBlock(family: LanguageFamily, code: string): BlockClassification {
  const placeholders = textPlaceholders(code, { braces: false, dollars: family === 'config' });
  if (family === 'config') return { target: 'config', effect: 'unknown', reasons: ['configuration, not a command: applying it changes the system'], placeholders, commands: [] };
  if (family === 'text') return { target: 'text', effect: 'read', reasons: ['not a command (text or diagram)'], placeholders: [], commands: [] };
  if (family === 'other') return { target: 'shell', effect: 'unknown', reasons: ['a language opsbook does not classify'], placeholders, commands: [] };
  return { target: defaultTarget(family), effect: 'read', reasons: ['no commands'], placeholders, commands: [] };
}

function commandsOf(code: string, family: LanguageFamily, firstLine: number): Command[] {
  switch (family) {
    case 'shell':
      return shellCommands(code, firstLine);
    case 'console':
      return shellCommands(consoleToShell(code), firstLine);
    case 'sql':
      return classifySql(code).map((s) => command(s.text, firstLine + s.lineOffset, s.verdict, textPlaceholders(s.text, { braces: false, dollars: false })));
    case 'redis':
      return redisLines(code.split('\n'), firstLine, /^\s*(?:[\w.-]+:\d+>\s*)?(\S.*)$/);
    case 'promql':
      return promqlCommands(code, firstLine);
    case 'python': {
      const v = /^\s*#\s*(in\s+)?[\w./-]+\.(py|cfg|env|ini)\b/i.test(code) || /^\s*#\s*(update|edit|in)\b/i.test(code)
        ? verdict('write', 'shows a change to make in a file or a live process', 'python')
        : pythonCodeVerdict(code);
      return wholeBlock(code, firstLine, v);
    }
    case 'javascript':
      return wholeBlock(code, firstLine, mongoCodeVerdict(code));
    default:
      return [];
  }
}

function wholeBlock(code: string, firstLine: number, v: Verdict): Command[] {
  const lead = code.match(/^\s*\n/)?.[0].split('\n').length ?? 1;
  return code.trim() ? [command(code.trim(), firstLine + lead - 1, v, textPlaceholders(code, { braces: false, dollars: false }))] : [];
}

/**
 * A PromQL block is one query when it parses whole (a query spread over lines); otherwise each
 * paragraph, and failing that each line, is a query of its own (a list of queries).
 */
function promqlCommands(code: string, firstLine: number): Command[] {
  const lines = code.split('\n').map((l) => (l.trim().startsWith('#') ? '' : l));
  const out: Command[] = [];
  const take = (from: number, to: number): void => {
    const text = lines.slice(from, to).join('\n').trim();
    if (!text) return;
    const lead = lines.slice(from, to).findIndex((l) => l.trim() !== '');
    // Text of several lines that does not parse whole is cut up: only whether it parses matters then.
    const parses = promqlParses(text);
    if (to - from > 1 && !parses) {
      const blank = lines.slice(from, to).findIndex((l, i) => i > lead && l.trim() === '');
      if (blank > 0) {
        take(from, from + blank);
        take(from + blank + 1, to);
      } else for (let i = from; i < to; i++) take(i, i + 1);
      return;
    }
    out.push(command(text, firstLine + from + lead, promqlVerdict(text, parses), []));
  };
  take(0, lines.length);
  return out;
}

/** Output lines are dropped; `$ ` prompts are removed but columns and lines kept. */
function consoleToShell(code: string): string {
  let continued = false;
  return code
    .split('\n')
    .map((l) => {
      const m = /^(\s*)\$ (.*)$/.exec(l);
      if (m) {
        continued = m[2]!.endsWith('\\');
        return `${m[1]}  ${m[2]}`;
      }
      if (continued) {
        continued = l.endsWith('\\');
        return l;
      }
      return '';
    })
    .join('\n');
}

function redisLines(lines: string[], firstLine: number, pattern: RegExp): Command[] {
  const out: Command[] = [];
  lines.forEach((raw, i) => {
    const m = pattern.exec(raw);
    if (!m || raw.trim().startsWith('#')) return;
    const text = m[m.length - 1]!.trim();
    let words: string[];
    try {
      words = readShell(text).flatMap((s) => s.calls.flatMap((c) => c.words.map((w) => w.value)));
    } catch {
      words = text.split(/\s+/);
    }
    out.push(command(text, firstLine + i, redisVerdict(words), anglePlaceholders(text)));
  });
  return out;
}

/**
 * A shell block. SQL written without psql and the `> CMD` lines of a redis-cli session are taken
 * out first (their lines blanked, so line numbers hold), then the rest is parsed as bash.
 */
function shellCommands(code: string, firstLine: number): Command[] {
  // Most blocks hold neither (a redis-cli line that runs one command opens no session): one look at
  // the whole text spares a look at each line.
  if (speedups().prechecks && (!code.includes('redis-cli') || !mayHoldRedisSession(code)) && !hasSqlLine(code)) return byLine(parseShellCommands(code.includes('<') ? code.replace(PROTECT, '@$1@') : code, firstLine));
  const lines = code.split('\n');
  const extra: Command[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (REDIS_CLI_LINE.test(l) && readRedisCli(l.trim().split(/\s+/).slice(l.trim().startsWith('sudo') ? 2 : 1)).command.length === 0) {
      let j = i + 1;
      while (j < lines.length && REDIS_PROMPT.test(lines[j]!)) j++;
      if (j > i + 1) {
        extra.push(...redisLines(lines.slice(i + 1, j), firstLine + i + 1, REDIS_PROMPT).map((c) => ({ ...c, reasons: c.reasons.map((r) => `in the redis-cli session: ${r}`) })));
        for (let k = i + 1; k < j; k++) lines[k] = '';
        i = j - 1;
      }
      continue;
    }
    if (SQL_LINE.test(l)) {
      let j = i;
      while (j < lines.length && lines[j]!.trim() !== '' && !/;\s*$/.test(lines[j]!) && !/^\s*#/.test(lines[j + 1] ?? '#')) j++;
      const end = Math.min(j, lines.length - 1);
      const sql = lines.slice(i, end + 1).join('\n');
      for (const s of classifySql(sql)) {
        extra.push(command(s.text, firstLine + i + s.lineOffset, { ...s.verdict, reasons: [...s.verdict.reasons, 'SQL written in a shell block: run it with psql'] }, anglePlaceholders(s.text)));
      }
      for (let k = i; k <= end; k++) lines[k] = '';
      i = end;
    }
  }
  const shell = lines.join('\n').replace(PROTECT, '@$1@');
  const out = [...parseShellCommands(shell, firstLine), ...extra];
  return byLine(out);
}

/** Commands in line order (a stable sort): most blocks give them in that order already, and are not sorted again. */
function byLine(commands: Command[]): Command[] {
  for (let i = 1; i < commands.length; i++) if (commands[i]!.line < commands[i - 1]!.line) return commands.sort((a, b) => a.line - b.line);
  return commands;
}

/**
 * Paragraphs (runs of lines between blank lines) parsed once each, with a bounded cache because
 * runbooks repeat the same commands. When a paragraph does not parse alone (a quote or loop spans
 * a blank line) the block is parsed whole.
 */
const paragraphCache = new TextCache<ShStatement[] | ShellSyntaxError>(5000);
/** Only whether a paragraph fails matters here: on failure the block is parsed whole. */
const QUICK_FAILURE = { quickFailure: true };

function paragraphStatements(text: string, lineBase: number): ShStatement[] {
  // Read where it stands when nothing is kept: no copy to shift.
  if (!speedups().caches) return readShell(text, lineBase, QUICK_FAILURE);
  let stmts = paragraphCache.get(text);
  if (!stmts) {
    try {
      // Only whether a paragraph fails matters here: on failure the block is parsed whole.
      stmts = readShell(text, 0, QUICK_FAILURE);
    } catch (e) {
      if (e instanceof ShellSyntaxError) paragraphCache.set(text, e);
      throw e;
    }
    paragraphCache.set(text, stmts);
  }
  if (stmts instanceof ShellSyntaxError) throw stmts;
  return lineBase === 0 ? stmts : stmts.map((s) => ({ ...s, line: s.line + lineBase, calls: s.calls.map((c) => ({ ...c, line: c.line + lineBase })) }));
}

/**
 * Whether the line starting at `at` ends a paragraph: blanks only (`\s` but the line's end), then a
 * comment, the line's end or the text's end — what `/[^\S\n]*(?:#|\n|$)/y` matches there.
 */
function endsParagraph(text: string, at: number): boolean {
  let i = at;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!(c === 32 || c === 9 || c === 11 || c === 12 || c === 13 || (c > 127 && SPACE.test(text[i]!)))) break;
  }
  if (i >= text.length) return true;
  const c = text.charCodeAt(i);
  return c === 35 || c === 10;
}

function byParagraph(shell: string, firstLine: number): ShStatement[] {
  const out: ShStatement[] = [];
  // Paragraphs are cut from the text where they stand: line `line` starts at offset `at`.
  let start = 0;
  let startAt = 0;
  let line = 0;
  for (let at = 0; ; line++) {
    const nl = shell.indexOf('\n', at);
    const end = nl < 0 ? shell.length : nl;
    if (endsParagraph(shell, at)) {
      if (line > start) for (const s of paragraphStatements(shell.slice(startAt, at - 1), firstLine - 1 + start)) out.push(s);
      start = line + 1;
      startAt = end + 1;
    }
    if (nl < 0) {
      if (line + 1 > start) for (const s of paragraphStatements(shell.slice(startAt), firstLine - 1 + start)) out.push(s);
      return out;
    }
    at = nl + 1;
  }
}

function parseShellCommands(shell: string, firstLine: number, wholeBlock = true): Command[] {
  try {
    let stmts: ShStatement[];
    try {
      stmts = wholeBlock ? byParagraph(shell, firstLine) : readShell(shell, firstLine - 1);
    } catch (e) {
      if (!(e instanceof ShellSyntaxError)) throw e;
      stmts = readShell(shell, firstLine - 1);
    }
    const direct = speedups().directVerdicts;
    // Names the block assigns, gathered when a statement first uses a variable (most use none).
    let assigned: Set<string> | undefined;
    return stmts.map((st) => {
      // `@name@` stands for `<name>` only where the block had one.
      const protectedWords = st.text.includes('@');
      const text = protectedWords ? st.text.replace(UNPROTECT, '<$1>') : st.text;
      const v = direct ? statementVerdict(st) : classifyStatement(st);
      // Most statements use no variable, placeholder or `{name}`: nothing to gather then.
      const placeholders = direct && st.params.length === 0 && st.braceWords.length === 0 && !protectedWords ? [] : unique([...variablePlaceholders(st.params, st.params.length ? (assigned ??= assignedIn(stmts)) : EMPTY), ...(protectedWords ? anglePlaceholders(text) : []), ...st.braceWords]);
      return command(text, st.line, protectedWords ? { ...v, reasons: v.reasons.map((r) => r.replace(UNPROTECT, '<$1>')) } : v, placeholders);
    });
  } catch (e) {
    if (!(e instanceof ShellSyntaxError)) throw e;
    return wholeBlock ? paragraphs(shell, firstLine, e) : unparsable(shell, firstLine, e);
  }
}

const EMPTY: ReadonlySet<string> = new Set();

function assignedIn(stmts: ShStatement[]): Set<string> {
  const out = new Set<string>();
  for (const s of stmts) for (const a of s.assigned) out.add(a);
  return out;
}

/** Shell text that does not parse: one `unknown` command naming the parser's complaint. */
function unparsable(shell: string, firstLine: number, e: ShellSyntaxError): Command[] {
  const lines = shell.split('\n');
  const first = lines.findIndex((l) => l.trim() && !l.trim().startsWith('#'));
  const text = shell.trim().replace(UNPROTECT, '<$1>');
  return [command(text, firstLine + Math.max(first, 0), verdict('unknown', `shell does not parse (line ${e.line}): ${e.message}`, 'shell'), anglePlaceholders(text))];
}

/**
 * When the whole block does not parse (`failure`), parse it paragraph by paragraph so one bad part
 * stays contained.
 */
function paragraphs(shell: string, firstLine: number, failure: ShellSyntaxError): Command[] {
  const lines = shell.split('\n');
  const out: Command[] = [];
  let start = 0;
  for (let i = 0; i <= lines.length; i++) {
    if (i < lines.length && lines[i]!.trim() !== '') continue;
    const chunk = lines.slice(start, i).join('\n');
    // Leading newlines keep the paragraph's line numbers.
    const text = `${'\n'.repeat(start)}${chunk}`;
    // A block without blank lines is one paragraph: the text just parsed whole, and it failed.
    if (chunk.trim()) out.push(...(text === shell ? unparsable(shell, firstLine, failure) : parseShellCommands(text, firstLine, false)));
    start = i + 1;
  }
  return out;
}

import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseShell, ShellSyntaxError, type ShStatement } from './shell-parse.js';
import { readSimpleShell, simpleShellError } from './shell-plain.js';

/** What mvdan-sh makes of the text: its statements, or the fact that it does not parse. */
function mvdan(text: string, lineBase: number): ShStatement[] | 'syntax error' {
  try {
    return parseShell(text, lineBase);
  } catch {
    return 'syntax error';
  }
}

/** The message and line of mvdan-sh's syntax error for the text. */
function mvdanError(text: string, lineBase: number): { message: string; line: number } | undefined {
  try {
    parseShell(text, lineBase);
    return undefined;
  } catch (e) {
    return e instanceof ShellSyntaxError ? { message: e.message, line: e.line } : undefined;
  }
}

/**
 * Shell text from pieces: `realistic` ones made of runbook words, `simple` ones of any characters
 * the fast reader takes, and `odd` ones mixing in what it must leave to mvdan-sh.
 */
function shellText(kind: 'realistic' | 'simple' | 'odd'): fc.Arbitrary<string> {
  const odd = kind === 'odd';
  const some = <T>(simple: fc.Arbitrary<T>, others: fc.Arbitrary<T>, weight = 1): fc.Arbitrary<T> =>
    odd ? fc.oneof({ weight: 8, arbitrary: simple }, { weight, arbitrary: others }) : simple;
  const literal = fc.stringMatching(/^[A-Za-z0-9_./:=,@%+^*?~{}[\]!#é-]{1,8}$/);
  const name = fc.constantFrom('TOKEN', 'DB_HOST', 'x', '_a1', 'HOME', 'A');
  const insideDouble = some(
    fc.oneof(
      fc.stringMatching(/^[A-Za-z0-9 _./:=,'{}#|;&<>()!*-]{1,8}$/),
      fc.constantFrom('\\"', '\\\\', '\\$', '\\n', '\n', '$', ' $'),
      name.map((n) => `$${n}`),
      name.map((n) => `\${${n}}`),
      fc.constantFrom('$(date)', '$(date +%Y%m%d)', '$(ls -t /b | head -1)', '$(echo "a $X")', '$1', '$0', '$@', '$#', '$?', '${1:-http://x/}', '${X:-a b}', '${#X}', '${X%.gz}', '${X##*/}'),
    ),
    fc.constantFrom('`date`', '$(', '$((1+2))', '${X/a/b}', '${X:-$Y}', '${X:1:2}', '${!X}', '${X[0]}', '\\\n'),
  );
  const wordPart = some(
    fc.oneof(
      { weight: 6, arbitrary: literal },
      { weight: 2, arbitrary: fc.stringMatching(/^[A-Za-z0-9 "$\\|;&<>(){}\n.-]{0,8}$/).map((s) => `'${s}'`) },
      { weight: 3, arbitrary: fc.array(insideDouble, { maxLength: 4 }).map((ps) => `"${ps.join('')}"`) },
      { weight: 2, arbitrary: name.map((n) => `$${n}`) },
      { weight: 1, arbitrary: name.map((n) => `\${${n}}`) },
      { weight: 1, arbitrary: fc.constantFrom('$(date)', '$(date +%Y%m%d_%H%M%S)', '$(pgrep daphne)', '$(kubectl get pods -o name | head -1)', '$(X=1 cmd {a} >f)', '$(a;)', '$(\n a\n b)', '$()', '$(a # c\n)', '$(echo $(id -u))', "$(cat '$f' \"${x}\")") },
      { weight: 1, arbitrary: fc.constantFrom('$1', '$0', '$10', '$?', '$#', '$@', '$*', '$$', '$!', '$-', '${1}', '${10}', '${#X}', '${X:-y}', '${X-}', '${X:=/tmp}', '${X:?missing}', '${X:+set}', '${X%.gz}', '${X%%.*}', '${X#*/}', '${X##*/}', '${X:-a b}', '${1:-http://localhost:8000/health/}') },
      { weight: 1, arbitrary: fc.constantFrom('\\ ', '\\x', '\\"', "\\'", '\\$', '\\|', '\\{') },
    ),
    fc.constantFrom('$', '\\\n', '\\', '$(date', '$( (a) )', '$(a &)', '$(a) b)', '`id`', "$'a'", '$"a"', '${X/a/b}', '${X:-"y"}', '${X:-$Y}', '${!X}', '${X[@]}', '${X:0:2}', '${X^^}', '$((1+2))', '(', ')', 'f(x)', 'enqueue(payload)', 'g()', 'h( )', '@(a|b)', '+(x)', 'a=(1 2)', '"open', "'open", '"$(open"', '<0<x', '>2>&1', '\u0007'),
  );
  const runbookWord = fc.constantFrom('kubectl', 'get', 'pods', '-n', 'apex', '"$NS"', "'{.items[*].name}'", '$(date +%Y%m%d)', '${DB_HOST}', '$TOKEN', '/var/log/app.log', 'x=1', '"a b"', '{id}', 'https://x/{webhookId}/logs', '-H', '"Authorization: Bearer $TOKEN"', 'backup_$(date +%F).dump', '"$(ls -t /b | head -1)"', 'echo', 'ok');
  const word = kind === 'realistic' ? runbookWord : fc.array(wordPart, { minLength: 1, maxLength: 3 }).map((ps) => ps.join(''));
  const assignment = some(
    fc.tuple(name, fc.constantFrom('=', '+='), fc.oneof(fc.constant(''), word)).map(([n, op, v]) => `${n}${op}${v}`),
    fc.constantFrom('a[1]=2', 'X=(a b)', 'é=1'),
  );
  const redirect = fc
    .tuple(some(fc.constantFrom('>', '>>', '<', '2>', '2>&', '>&', '&>', '&>>', '>|', '<>', '<&', '10>'), fc.constantFrom('<<', '<<<', '<<-')), fc.constantFrom('', ' ', '  '), word)
    .map(([op, gap, w]) => `${op}${gap}${w}`);
  const keyword = fc.constantFrom('if', 'then', 'fi', 'for', 'do', 'done', 'while', 'case', 'export', 'declare', 'local', 'let', 'time', '!', '{', '}', '[[', 'in', '((');
  const item = fc.oneof({ weight: 8, arbitrary: word }, { weight: 2, arbitrary: redirect }, ...(odd ? [{ weight: 1, arbitrary: keyword }] : []));
  const blank = some(fc.constantFrom(' ', ' ', ' ', '  ', '\t', ' \\\n  '), fc.constant('\\\n'));
  const command = fc.tuple(fc.array(assignment, { maxLength: 2 }), fc.array(fc.tuple(item, blank), { minLength: 0, maxLength: 5 }), fc.option(some(fc.constantFrom(' # note', ' #', '#x'), fc.constant(' # x\\')))).map(
    ([assigns, items, comment]) => [...assigns.map((a) => `${a} `), ...items.map(([w, b]) => w + b)].join('').trimEnd() + (comment ?? ''),
  );
  const operator = some(fc.constantFrom(' | ', ' && ', ' || ', '; ', '\n', ';', '|', '&&', '&&\n  ', ' |\n', '\n\n'), fc.constantFrom(' &\n', ' & ', ';; ', ' |& ', ' ||\n\n', '; ;'));
  const sep = some(fc.constantFrom('; ', '\n', ';\n  ', ' ;', '\n\n# c\n'), fc.constantFrom(' ', '', ';;', '&'));
  const body = fc.tuple(command, fc.option(fc.tuple(operator, command))).map(([c, more]) => (more ? c + more[0] + more[1] : c));
  const compound = fc
    .tuple(
      fc.oneof(
        fc
          .tuple(body, sep, body, sep, fc.option(fc.tuple(body, sep, body, sep)), fc.option(fc.tuple(body, sep)))
          .map(([c, s1, t, s2, elif, els]) => `if ${c}${s1}then ${t}${s2}${elif ? `elif ${elif[0]}${elif[1]}then ${elif[2]}${elif[3]}` : ''}${els ? `else ${els[0]}${els[1]}` : ''}fi`),
        fc
          .tuple(some(fc.constantFrom('i', 'db', 'x'), fc.constantFrom('1x', 'é', '"x"')), some(fc.constant(' in '), fc.constantFrom('', ' in', ' ')), fc.array(word, { maxLength: 3 }), sep, body, sep)
          .map(([n, kw, ws, s1, c, s2]) => `for ${n}${kw}${ws.join(' ')}${s1}do ${c}${s2}done`),
        fc.tuple(fc.constantFrom('while', 'until'), body, sep, body, sep).map(([k, c, s1, b, s2]) => `${k} ${c}${s1}do ${b}${s2}done`),
      ),
      fc.option(fc.tuple(fc.constantFrom(' ', ''), redirect)),
    )
    .map(([c, r]) => (r ? c + r[0] + r[1] : c));
  const timed = fc.tuple(fc.constantFrom('time ', 'time -p ', 'time  ', 'time\t', 'time \\\n  '), fc.oneof(command, compound)).map(([t, c]) => t + c);
  const hereDoc = fc
    .tuple(
      fc.constantFrom('cat', 'cat > /tmp/x.conf', 'psql app', 'a $Z', 'X=1 cat'),
      some(fc.constantFrom(' <<EOF', " <<'EOF'", ' << EOF', '<<EOF'), fc.constantFrom(' <<-EOF', ' <<"EOF"', ' 0<<EOF', ' <<E\\OF', ' <<EOF <<X')),
      some(fc.constantFrom('', ' > f', ' 2>&1', ' >> /tmp/log'), fc.constantFrom(' | grep x', '; echo', ' # c', ' "$Q"', ' && b')),
      fc.array(some(fc.constantFrom("restore_command = 'cp %f %p'", 'x ${A} $B {c}', '$Y', "it's", '"q"', '', 'EOFX', ' EOF', 'a $B_1c'), fc.constantFrom('a $(date) b', 'a \\$x', '`id`', '$1', 'a $', '${A:-b}')), { maxLength: 3 }),
      some(fc.constantFrom('EOF', 'EOF\n'), fc.constantFrom(' EOF', '', 'EOF ')),
    )
    .map(([cmd, op, rest, body, close]) => `${cmd}${op}${rest}\n${body.map((l) => `${l}\n`).join('')}${close}`);
  const unit = fc.oneof({ weight: 4, arbitrary: command }, { weight: 1, arbitrary: compound }, { weight: 1, arbitrary: timed }, { weight: 1, arbitrary: hereDoc });
  return fc
    .tuple(unit, fc.array(fc.tuple(operator, unit), { maxLength: 3 }), some(fc.constantFrom('', '\n', ';', ' '), fc.constantFrom(' |', ' \\')))
    .map(([first, rest, end]) => first + rest.map(([o, c]) => o + c).join('') + end);
}
const text = fc.oneof(shellText('realistic'), shellText('simple'), shellText('odd'));

describe('the simple-shell reader', () => {
  it('reads whatever it accepts exactly as mvdan-sh does, accepts nothing mvdan-sh rejects, and calls nothing "not shell" that mvdan-sh reads', () => {
    let accepted = 0;
    let rejected = 0;
    let notShell = 0;
    let worded = 0;
    fc.assert(
      fc.property(text, fc.nat(50), (src, lineBase) => {
        const ours = readSimpleShell(src, lineBase);
        if (ours === undefined) {
          rejected++;
          return;
        }
        if (ours === 'not shell') {
          notShell++;
          expect(mvdan(src, lineBase)).toBe('syntax error');
          // Where this reader words the error itself, it must be mvdan-sh's message and line.
          const said = simpleShellError(src, lineBase);
          if (said) {
            worded++;
            expect(mvdanError(src, lineBase)).toEqual({ message: said.message, line: said.line });
          }
          return;
        }
        accepted++;
        expect(ours).toEqual(mvdan(src, lineBase));
      }),
      { numRuns: 20_000 },
    );
    // The generator must exercise both sides: a reader that gave up on everything would pass otherwise.
    expect(accepted).toBeGreaterThan(2_000);
    expect(rejected).toBeGreaterThan(2_000);
    expect(notShell).toBeGreaterThan(20);
    expect(worded).toBeGreaterThan(5);
  });

  it('takes the command lines runbooks are made of', () => {
    for (const src of [
      'kubectl get pods -n apex | grep api',
      'curl -s -H "Authorization: Bearer $TOKEN" https://x/webhooks/{webhookId}/logs',
      'redis-cli -h ${REDIS_HOST} -p $REDIS_PORT ping',
      "psql -c \"SELECT count(*) FROM pg_stat_activity WHERE state = 'active';\"",
      'pg_dump -Fc app > backup.dump 2>/dev/null && echo done',
      'curl -X POST http://x/files \\\n  -H "Content-Type: application/json" \\\n  -d \'{"a": 1}\'',
      'BACKUP_DIR="/backups/db"\nFILE=$BACKUP_DIR/x.gz',
      'pg_dump -Fc app > backup_$(date +%Y%m%d).dump',
      'BACKUP_FILE=$(ls -t /backups/*.sql.gz | head -1) && echo "Date: $(date)"',
      'tail -f /var/log/app.log   # follow the log',
      'HEALTH_URL="${1:-http://localhost:8000/health/}"\nTIMEOUT=5',
      'RECOVERY_TIME=$1  # Format: 2025-01-27 14:30:00',
      'if [ -f "$BACKUP_FILE" ]; then\n    echo "ok: $BACKUP_FILE"\nelse\n    echo "failed!" | mail -s "Backup Failed" ops@example.com\nfi',
      'for db in app tenant_a; do\n  pg_dump -Fc $db > backup_${db}_$(date +%Y%m%d).dump\ndone 2>&1 | tee log',
      "cat > /tmp/recovery.conf <<EOF\nrestore_command = 'cp /backups/wal/%f %p'\nrecovery_target_time = '$RECOVERY_TIME'\nEOF",
      'time curl -X POST http://x/derive \\\n  -H "Content-Type: application/json" \\\n  -d \'{"height": 8.5}\'',
    ]) {
      expect(readSimpleShell(src, 0), src).toEqual(parseShell(src, 0));
    }
  });

  it('knows text that is not shell (or a cut piece of it) without mvdan-sh, and mvdan-sh agrees', () => {
    for (const src of ['celery_task_id = enqueue_cabinet_derive(payload)', 'echo f(x) | tee log', 'python manage.py shell -c "', 'for i in a b; do', 'a &&', "echo 'x", 'x=$(date']) {
      expect(readSimpleShell(src, 0), src).toBe('not shell');
      expect(() => parseShell(src, 0), src).toThrow(ShellSyntaxError);
    }
    for (const src of ['deploy() { x; }', 'ls @(a|b)', 'a=(1 2)']) expect(readSimpleShell(src, 0), src).not.toBe('not shell');
  });

  it('leaves arithmetic, backquotes, case, C-style for, background jobs and here-documents beyond plain ones to mvdan-sh', () => {
    for (const src of ['x=$((1 + 2))', 'echo `id`', 'for ((i = 0; i < 3; i++)); do b; done', 'case $x in a) b;; esac', 'cmd &', 'cat <<-EOF\n\tx\nEOF', 'cat <<EOF | grep x\n$(date)\nEOF', 'echo ${X/a/b}', 'echo ${X:-$(date)}', 'export X=1', '(cd /tmp && ls)', '{ a; b; }', "echo $'x'", 'ab\\\ncd']) {
      expect(readSimpleShell(src, 0), src).toBeUndefined();
    }
  });
});

describe('the GopherJS tree reader', () => {
  it('reads the same words and lines as the public mvdan-sh API', () => {
    const require = createRequire(import.meta.url);
    const { syntax } = require('mvdan-sh') as { syntax: { NewParser: () => { Parse: (s: string, n: string) => unknown }; Walk: (n: unknown, f: (n: unknown) => boolean) => void; NodeType: (n: unknown) => string } };
    const src = 'kubectl get pods -n apex | grep api\nFOO=1 curl -H "Authorization: Bearer $TOKEN" https://x/{id}\nfor db in a b; do\n  pg_dump -Fc $db > out\ndone\n';
    type Node = { Args: { Parts: { Value?: unknown }[] }[]; Pos: () => { Line: () => number } };
    // Lines of every command, and the words of those made only of plain literals.
    const publicCalls: [number, string[] | null][] = [];
    syntax.Walk(syntax.NewParser().Parse(src, 'x'), (n) => {
      if (n && syntax.NodeType(n) === 'CallExpr') {
        const c = n as Node;
        const literal = c.Args.every((w) => w.Parts.every((p) => typeof p.Value === 'string' && syntax.NodeType(p) === 'Lit'));
        if (c.Args.length) publicCalls.push([c.Pos().Line(), literal ? c.Args.map((w) => w.Parts.map((p) => p.Value as string).join('')) : null]);
      }
      return true;
    });
    const ours = parseShell(src).flatMap((s) => s.calls.filter((c) => c.words.length).map((c): [number, string[] | null] => [c.line, c.words.every((w) => w.literal && !/["']/.test(w.value)) && !c.words.some((w) => w.value.includes(' ')) ? c.words.map((w) => w.value) : null]));
    const key = (x: [number, string[] | null]): string => JSON.stringify(x);
    expect(ours.map(key).sort()).toEqual(publicCalls.map(key).sort());
  });
});

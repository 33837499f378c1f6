/**
 * The executables a world's tool names are on a step's PATH, and the one protocol they speak with
 * the game day's control endpoint: the command line as a form (`tool`, one `arg` per argument in
 * order, `env.NAME` for each of TOOL_ENV set), the answer as three lines — the exit code, then
 * stdout and stderr base64-encoded — so a shell script can split it with `read`.
 *
 * Each name is a /bin/sh script that posts with curl: a runbook step may call the tools many times
 * per world, and a `node` process per call cost about 0.2 s of CPU against a few milliseconds for
 * sh and curl. Where curl is not installed the script hands over to a small node client instead.
 */
import { TOOL_ENV } from './models.js';
import type { ToolResult } from './result.js';

/** A call as the endpoint reads it from the posted form. */
export interface ToolCall {
  tool: string;
  args: string[];
  env: Record<string, string>;
}

export function parseToolCall(body: string): ToolCall {
  const form = new URLSearchParams(body);
  const env: Record<string, string> = {};
  for (const k of TOOL_ENV) {
    const v = form.get(`env.${k}`);
    if (v !== null) env[k] = v;
  }
  return { tool: form.get('tool') ?? '', args: form.getAll('arg'), env };
}

export function formatToolAnswer(r: ToolResult): string {
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  return `${r.code}\n${b64(r.stdout)}\n${b64(r.stderr)}\n`;
}

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The script a tool name runs. `authFile` holds the `authorization:` header line (read by curl,
 * so the token is in no file others may read and on no command line).
 */
export function toolShim(name: string, url: string, authFile: string, nodeClient: string): string {
  const envArgs = TOOL_ENV.map((k) => `[ -n "\${${k}+set}" ] && set -- "$@" --data-urlencode "env.${k}=$${k}"\n`).join('');
  return `#!/bin/sh
# The game-day world's ${name} (src/gameday/tools): hands its command line to the game day.
command -v curl >/dev/null 2>&1 || exec ${quote(process.execPath)} ${quote(nodeClient)} ${name} "$@"
n=$#
for a in "$@"; do set -- "$@" --data-urlencode "arg=$a"; done
shift "$n"
${envArgs}answer=$(curl -sS -H @${quote(authFile)} --data-urlencode tool=${name} "$@" ${quote(url)}) || { echo "${name} (game-day world): the game day does not answer" >&2; exit 1; }
{ read -r code; read -r out; read -r err; } <<EOF
$answer
EOF
[ -n "$out" ] && printf '%s' "$out" | base64 -d
[ -n "$err" ] && printf '%s' "$err" | base64 -d >&2
case $code in ''|*[!0-9]*) exit 1 ;; esac
exit "$code"
`;
}

/** The same client in node, for a machine without curl: `node FILE TOOL ARGS…`. */
export function nodeToolClient(url: string, authFile: string): string {
  return `// The game-day world's tools (src/gameday/tools) where curl is missing: hands the command line to the game day.
import { readFileSync } from 'node:fs';
const [tool, ...args] = process.argv.slice(2);
const form = new URLSearchParams({ tool });
for (const a of args) form.append('arg', a);
for (const k of ${JSON.stringify(TOOL_ENV)}) if (process.env[k] !== undefined) form.append('env.' + k, process.env[k]);
try {
  const [name, ...value] = readFileSync(${JSON.stringify(authFile)}, 'utf8').trim().split(':');
  const res = await fetch(${JSON.stringify(url)}, { method: 'POST', headers: { [name]: value.join(':').trim() }, body: form });
  const [code, out, err] = (await res.text()).split('\\n');
  process.stdout.write(Buffer.from(out ?? '', 'base64'));
  process.stderr.write(Buffer.from(err ?? '', 'base64'));
  process.exitCode = /^\\d+$/.test(code ?? '') ? Number(code) : 1;
} catch (e) {
  process.stderr.write(tool + ' (game-day world): the game day does not answer: ' + e.message + '\\n');
  process.exitCode = 1;
}
`;
}

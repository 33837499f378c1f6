import { hasFlag, optionValue } from './args.js';
import { verdict, type Verdict } from './effect.js';

function methodVerdict(method: string, how: string): Verdict {
  const m = method.toUpperCase();
  if (m === 'GET' || m === 'HEAD' || m === 'OPTIONS') return verdict('read', `${how} sends ${m}, which only reads`, 'http');
  if (m === 'DELETE') return verdict('destructive', `${how} sends DELETE`, 'http');
  if (m === 'POST' || m === 'PUT' || m === 'PATCH') return verdict('write', `${how} sends ${m}`, 'http');
  return verdict('unknown', `${how} sends ${m}, a method opsbook does not know`, 'http');
}

/** curl by method: `-X`, or implied by `-d`/`-F`/`-T`/`--json` (POST/PUT), `-I` (HEAD), else GET. */
export function curlVerdict(args: string[]): Verdict {
  const explicit = optionValue(args, '-X', '--request');
  let v: Verdict;
  if (explicit) v = methodVerdict(explicit, 'curl -X');
  else if (hasFlag(args, '-d', '--data', '--data-raw', '--data-binary', '--data-urlencode', '-F', '--form', '--json')) v = methodVerdict('POST', 'curl with a body');
  else if (hasFlag(args, '-T', '--upload-file')) v = methodVerdict('PUT', 'curl --upload-file');
  else if (hasFlag(args, '-I', '--head')) v = methodVerdict('HEAD', 'curl -I');
  else v = methodVerdict('GET', 'curl');
  const output = optionValue(args, '-o', '--output');
  if (output && output !== '/dev/null' && output !== '-' && v.effect === 'read') {
    return { effect: 'write', reasons: [...v.reasons, `saves the response to ${output}`], target: 'http' };
  }
  return v;
}

/** wget downloads to a file unless told to write to stdout. */
export function wgetVerdict(args: string[]): Verdict {
  if (hasFlag(args, '--post-data', '--post-file')) return methodVerdict('POST', 'wget --post-data');
  const method = optionValue(args, '--method');
  if (method) return methodVerdict(method, 'wget --method');
  const out = optionValue(args, '-O', '--output-document');
  if (out === '-' || hasFlag(args, '--spider')) return verdict('read', 'wget sends GET, which only reads', 'http');
  return verdict('write', 'wget saves the download to a file', 'http');
}

/** HTTPie: `http [METHOD] URL [items]`; data items (`a=b`, `a:=1`) imply POST. */
export function httpieVerdict(args: string[]): Verdict {
  const pos = args.filter((a) => !a.startsWith('-'));
  const first = pos[0] ?? '';
  if (/^(GET|HEAD|OPTIONS|POST|PUT|PATCH|DELETE)$/.test(first)) return methodVerdict(first, 'http');
  const hasData = pos.slice(1).some((a) => /^[^=:]+(:?=|==|@)/.test(a) && !/^[^=:]+==/.test(a));
  return methodVerdict(hasData ? 'POST' : 'GET', 'http');
}

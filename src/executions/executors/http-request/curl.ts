import { CURL_VALUE_LETTERS, splitShortOptions } from '../../../lib/short-options.js';

/** A curl invocation read into what a native request needs. */
export interface CurlRequest {
  method: string;
  url: string;
  headers: [string, string][];
  body?: string;
  /** -i: print the status line and headers before the body. */
  include: boolean;
  /** -I: headers only. */
  headOnly: boolean;
  /** -o /dev/null: print no body. */
  discardBody: boolean;
  /** -w '%{http_code}': print the status code after the body. */
  writeOut?: string;
  followRedirects: boolean;
}

const IGNORED_FLAGS = new Set(['-s', '--silent', '-S', '--show-error', '-f', '--fail', '--fail-with-body', '-v', '--verbose', '-k', '--insecure', '--compressed', '-N', '--no-buffer', '-g', '--globoff']);
const IGNORED_VALUE = new Set(['--max-time', '-m', '--connect-timeout', '--retry', '--retry-delay']);

/** Reads curl's words (after `curl`); returns why not when it uses something opsbook does not do natively. */
export function readCurl(words: readonly string[]): CurlRequest | { why: string } {
  const args = [...words];
  const req: CurlRequest = { method: '', url: '', headers: [], include: false, headOnly: false, discardBody: false, followRedirects: false };
  let body: string[] | undefined;
  for (let i = 0; i < args.length; i++) {
    // Short options given together (`-fsSL`, `-sXPOST`) are read one by one; a word taken as an
    // option's value is never split.
    const split = splitShortOptions(args[i]!, CURL_VALUE_LETTERS);
    if (split.length > 1) args.splice(i, 1, ...split);
    const a = args[i]!;
    const value = (): string | undefined => args[++i];
    if (a === '-X' || a === '--request') req.method = (value() ?? '').toUpperCase();
    else if (a === '-H' || a === '--header') {
      const h = value() ?? '';
      const colon = h.indexOf(':');
      if (colon <= 0) return { why: `curl header "${h}" has no name: value` };
      req.headers.push([h.slice(0, colon).trim(), h.slice(colon + 1).trim()]);
    } else if (['-d', '--data', '--data-raw', '--data-binary', '--json'].includes(a)) {
      const d = value() ?? '';
      if (d.startsWith('@') && a !== '--data-raw') return { why: `curl reads the body from ${d.slice(1)}, which opsbook does not send` };
      (body ??= []).push(d);
      if (a === '--json') req.headers.push(['Content-Type', 'application/json'], ['Accept', 'application/json']);
    } else if (a === '-u' || a === '--user' || a.startsWith('--user=')) {
      // `-u user:pass`, `-uuser:pass` (split above), `--user=user:pass`: Basic auth, as curl sends it.
      const user = a.startsWith('--user=') ? a.slice('--user='.length) : value();
      req.headers.push(['Authorization', `Basic ${Buffer.from(user ?? '').toString('base64')}`]);
    }
    else if (a === '-i' || a === '--include') req.include = true;
    else if (a === '-I' || a === '--head') req.headOnly = true;
    else if (a === '-L' || a === '--location') req.followRedirects = true;
    else if (a === '-o' || a === '--output') {
      const o = value();
      if (o !== '/dev/null' && o !== '-') return { why: `curl saves the response to ${o ?? 'a file'}: run it in a terminal` };
      if (o === '/dev/null') req.discardBody = true;
    } else if (a === '-w' || a === '--write-out') {
      const w = value() ?? '';
      if (!/^(%\{http_code\}|\\n|\n|\s|[^%])*$/.test(w)) return { why: `curl -w ${w}: only %{http_code} is supported` };
      req.writeOut = w;
    } else if (IGNORED_VALUE.has(a)) value();
    else if (IGNORED_FLAGS.has(a)) continue;
    else if (a.startsWith('-')) return { why: `curl ${a} is not an option opsbook's HTTP executor supports: run it in a terminal` };
    else if (!req.url) req.url = a;
    else return { why: `curl with two URLs (${req.url}, ${a})` };
  }
  if (!req.url) return { why: 'curl without a URL' };
  if (body !== undefined) req.body = body.join('&');
  if (!req.method) req.method = req.headOnly ? 'HEAD' : body !== undefined ? 'POST' : 'GET';
  return req;
}

/**
 * Where a runbook URL goes: relative URLs resolve against the service's base_url; absolute ones
 * only when their host is the base_url's or one of the service's aliases, and then to base_url.
 */
export function rewriteUrl(raw: string, baseUrl: string, aliases: readonly string[], serviceId: string): { url: string } | { why: string } {
  const base = new URL(baseUrl);
  let u: URL;
  if (raw.startsWith('/')) u = new URL(raw, 'http://relative.invalid');
  else {
    try {
      u = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`);
    } catch {
      return { why: `${raw} is not a URL` };
    }
    const host = u.hostname.toLowerCase();
    const known = aliases.map((a) => a.toLowerCase());
    if (host !== base.hostname.toLowerCase() && !known.includes(host) && !known.includes(u.host.toLowerCase())) {
      return { why: `host ${u.hostname} is not an alias of service ${serviceId}: add it to services[].aliases to send this request to ${base.host}` };
    }
  }
  const prefix = base.pathname.replace(/\/+$/, '');
  return { url: `${base.origin}${prefix}${u.pathname}${u.search}` };
}

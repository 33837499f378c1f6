import { mkdir, readFile } from 'node:fs/promises';
import type { OpsConfig } from '../../../config/index.js';
import type { Command } from '../../../runbooks/index.js';
import { MASK, paramKey } from '../../params.js';
import { parseShell, shellQuote, ShellSyntaxError, type ShCall } from '../../shell-syntax.js';
import { runInProcessGroup } from '../shell/process.js';
import { programProblem, programsOf } from '../shell/programs.js';
import { shellCwd, shellEnv } from '../shell/index.js';
import { substitute, type Executor, type ExecutorOutcome, type NotRunnable, type PrepareContext, type PreparedCommand, type RunOptions } from '../types.js';
import { readCurl, rewriteUrl, type CurlRequest } from './curl.js';
import { bindBody, bindUrl } from './bind.js';
import { caAgent } from './private-ca.js';
import { exchange } from './exchange.js';
import { follow } from './follow.js';
import { OutputCollector } from '../output.js';

export { readCurl, rewriteUrl, type CurlRequest } from './curl.js';

/** Reads a body as it arrives, keeping the first MAX_OUTPUT_BYTES (a timeout or cancel keeps what came). */
async function readBody(body: AsyncIterable<Uint8Array> | null, into: OutputCollector): Promise<void> {
  if (!body) return;
  for await (const chunk of body) into.add(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
}

/** `hostHeaders`: names (lower case) of the headers services[].http gives the host, which a redirect to another origin leaves behind. */
async function send(req: CurlRequest, hostHeaders: ReadonlySet<string>, options: RunOptions, ca?: Buffer): Promise<ExecutorOutcome> {
  const controller = new AbortController();
  let ended: 'timeout' | 'cancelled' | undefined;
  const timer = setTimeout(() => {
    ended = 'timeout';
    controller.abort();
  }, options.timeoutMs);
  const onAbort = (): void => {
    ended ??= 'cancelled';
    controller.abort();
  };
  options.signal.addEventListener('abort', onAbort, { once: true });
  if (options.signal.aborted) onAbort();
  let head: string | undefined;
  let httpStatus: number | undefined;
  const received = new OutputCollector();
  const outcome = (status: ExecutorOutcome['status'], exitCode: number | null, stderr: string): ExecutorOutcome => {
    const body = received.text();
    let stdout = head === undefined ? '' : req.headOnly ? head : `${req.include ? head : ''}${req.discardBody ? '' : body}`;
    if (head !== undefined && (status === 'ok' || status === 'failed') && req.writeOut !== undefined) stdout += req.writeOut.replace(/%\{http_code\}/g, String(httpStatus)).replace(/\\n/g, '\n');
    const data = { url: req.url, method: req.method, ...(httpStatus !== undefined ? { httpStatus, bodyBytes: received.total } : {}) };
    return { status, exitCode, stdout, stderr, data };
  };
  const agent = ca !== undefined ? caAgent(ca) : undefined;
  try {
    const res = await follow(
      req.url,
      { method: req.method, headers: req.headers, ...(req.body !== undefined ? { body: req.body } : {}), signal: controller.signal, followRedirects: req.followRedirects, hostHeaders },
      (url, init) => exchange(url, init, agent),
    );
    httpStatus = res.status;
    head = `HTTP/1.1 ${res.status} ${res.statusText}\n${res.headers.map(([k, v]) => `${k}: ${v}`).join('\n')}\n\n`;
    // The body is read as it arrives and kept up to the executors' output limit: a large download or an
    // endless stream can neither fill opsbook's memory nor, cut by the time limit, lose what came.
    if (req.method !== 'HEAD') await readBody(res.body, received);
    // curl -f's exit code: an HTTP error status is a failed step, whatever the flags.
    const ok = res.status < 400;
    return outcome(ok ? 'ok' : 'failed', ok ? 0 : 22, ok ? '' : `HTTP ${res.status} ${res.statusText}\n`);
  } catch (e) {
    return outcome(ended ?? 'failed', ended ? null : 7, `${(e as Error).message}${(e as { cause?: Error }).cause ? `: ${(e as { cause: Error }).cause.message}` : ''}\n`);
  } finally {
    clearTimeout(timer);
    options.signal.removeEventListener('abort', onAbort);
    agent?.destroy();
  }
}

type Service = OpsConfig['services'][number];

/** services[].http.hosts' entry for the host a runbook URL names (`search:9200`, or the host alone); relative URLs name the base host. */
function hostSettings(service: Service, raw: string): { headers: Record<string, string> } | undefined {
  const hosts = service.http?.hosts ?? [];
  if (hosts.length === 0) return undefined;
  let u: URL;
  try {
    u = raw.startsWith('/') ? new URL(service.base_url!) : new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`);
  } catch {
    return undefined;
  }
  const names = [u.host.toLowerCase(), u.hostname.toLowerCase()];
  return hosts.find((h) => names.includes(h.host.toLowerCase()));
}

/**
 * The Basic Authorization a URL's userinfo stands for (percent-decoded, as curl reads it), if it has
 * one; a user alone (`https://TOKEN@host`) is sent with an empty password, as curl does. A runbook's
 * URL may name its host without a scheme (`user:pass@search:9200/…`) or be a path (no userinfo).
 */
function userinfoAuthorization(url: string): string | undefined {
  if (url.startsWith('/')) return undefined;
  let u: URL;
  try {
    u = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `http://${url}`);
  } catch {
    return undefined;
  }
  if (u.username === '' && u.password === '') return undefined;
  const decode = (s: string): string => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  return `Basic ${Buffer.from(`${decode(u.username)}:${decode(u.password)}`).toString('base64')}`;
}

function wordsOf(call: ShCall): string[] {
  return call.words.map((w) => w.value.replace(/@([A-Za-z][\w.-]*)@/g, '<$1>'));
}

/**
 * HTTP steps: curl read into one request (method, headers, body; exchange.ts); the URL goes to the
 * service's base_url, with its userinfo as Basic auth. A pipe after curl (`| jq .`) runs as a shell
 * step fed with the body.
 */
export const httpExecutor: Executor = {
  name: 'http',
  prepare(command: Command, ctx: PrepareContext): PreparedCommand | NotRunnable {
    let calls: ShCall[];
    try {
      const statements = parseShell(command.text.replace(/<([A-Za-z][\w.-]*)>/g, '@$1@'));
      if (statements.length !== 1) return { executor: 'http', why: 'more than one statement around curl: run it in a terminal' };
      calls = statements[0]!.calls;
    } catch (e) {
      if (e instanceof ShellSyntaxError) return { executor: 'http', why: `the command is not valid shell: ${e.message}` };
      throw e;
    }
    const first = calls[0];
    const program = first?.words[0]?.value.replace(/^.*\//, '');
    if (!first || program !== 'curl') return { executor: 'http', why: `${program ?? 'this'} is not curl: opsbook sends HTTP requests written as curl` };
    if (calls.slice(1).some((c) => !c.piped)) return { executor: 'http', why: 'curl with other commands around it: run it in a terminal' };
    for (const w of first.words) if (!w.literal && /\$\(|`/.test(w.value)) return { executor: 'http', why: 'curl with a command substitution, which opsbook does not run' };
    const parsed = readCurl(wordsOf(first).slice(1));
    if ('why' in parsed) return { executor: 'http', why: parsed.why };
    const service = ctx.service;
    if (!service) return { executor: 'http', why: 'no service for this procedure: set procedures["FILE#ID"].service or pass --service' };
    if (!service.base_url) return { executor: 'http', why: `no base_url for service ${service.id}: set services[].base_url` };
    // Values in the URL are path segments or query values: encoded so they cannot add segments or parameters.
    const rawUrl = bindUrl(parsed.url, ctx.params);
    if ('why' in rawUrl) return { executor: 'http', why: rawUrl.why };
    const target = rewriteUrl(rawUrl.url, service.base_url, service.aliases, service.id);
    if ('why' in target) return { executor: 'http', why: target.why };
    const written = parsed.headers.map(([k, v]): [string, string] => [k, substitute(v, ctx.params, paramKey)]);
    // The URL's own `user:password@` (or `TOKEN@`) goes as Basic auth, as curl sends it, unless the step's -u or -H authorizes.
    const own = userinfoAuthorization(rawUrl.url);
    const fromUrl: [string, string][] = own !== undefined && !written.some(([k]) => k.toLowerCase() === 'authorization') ? [['Authorization', own]] : [];
    written.push(...fromUrl);
    // Headers services[].http gives this host (credentials the runbook's curl leaves out): added unless the step sets them.
    const added = Object.entries(hostSettings(service, rawUrl.url)?.headers ?? {}).filter(([k]) => !written.some(([w]) => w.toLowerCase() === k.toLowerCase()));
    // base_url's `user:password@` goes as Basic auth, as curl sends a URL's userinfo, unless the step or the host's headers authorize.
    const basic = userinfoAuthorization(service.base_url);
    if (basic !== undefined && ![...written, ...added].some(([k]) => k.toLowerCase() === 'authorization')) added.push(['Authorization', basic]);
    const headers = [...written, ...added];
    const body = parsed.body === undefined ? undefined : bindBody(parsed.body, parsed.headers, ctx.params);
    if (body && 'why' in body) return { executor: 'http', why: body.why };
    const req: CurlRequest = { ...parsed, url: target.url, headers, ...(body ? { body: body.body } : {}) };
    if (req.headers.some(([, v]) => /[\r\n]/.test(v))) return { executor: 'http', why: 'a header value has a line break' };
    const masked = new Set([...fromUrl, ...added].map(([k]) => k));
    const hostHeaders = new Set(added.map(([k]) => k.toLowerCase()));
    const shown = `curl -X ${req.method} ${shellQuote(req.url)}${req.headers.map(([k, v]) => ` -H ${shellQuote(`${k}: ${masked.has(k) ? MASK : v}`)}`).join('')}${req.body !== undefined ? ` -d ${shellQuote(req.body)}` : ''}${service.http?.ca_file ? ` --cacert ${shellQuote(service.http.ca_file)}` : ''}`;
    const piped = calls.slice(1);
    let script: string | undefined;
    if (piped.length > 0) {
      if (!service.shell) return { executor: 'http', why: `curl is piped into ${piped[0]!.words[0]?.value ?? 'a command'}, which needs a shell: set services[].shell` };
      if (piped.some((c) => c.words.some((w) => !w.literal))) return { executor: 'http', why: 'the commands after curl use expansions: run it in a terminal' };
      const cwd = shellCwd(service, ctx);
      const env = shellEnv(command, service, ctx.params);
      for (const use of programsOf(piped)) {
        const base = use.name?.replace(/^.*\//, '') ?? '';
        if (service.shell.allow && !service.shell.allow.includes(base)) return { executor: 'http', why: `${base} is not in services[].shell.allow of ${service.id}` };
        const problem = programProblem(use, env, cwd);
        if (problem) return { executor: 'http', why: `not runnable here: ${problem}` };
      }
      script = piped.map((c) => c.words.map((w) => shellQuote(w.value)).join(' ')).join(' | ');
    }
    const confirmation = new URL(req.url).pathname;
    return {
      executor: 'http',
      display: script ? `${shown} | ${script}` : shown,
      confirmation,
      run: async (options) => {
        const caFile = service.http?.ca_file;
        let ca: Buffer | undefined;
        if (caFile !== undefined) {
          try {
            ca = await readFile(caFile);
          } catch (e) {
            return { status: 'failed', exitCode: 77, stdout: '', stderr: `services[${service.id}].http.ca_file ${caFile}: ${(e as Error).message}\n` };
          }
        }
        const outcome = await send(req, hostHeaders, options, ca);
        if (!script || outcome.status !== 'ok') return outcome;
        if (!service.shell?.cwd) await mkdir(shellCwd(service, ctx), { recursive: true });
        const piped = await runInProcessGroup({ ...options, script, cwd: shellCwd(service, ctx), env: shellEnv(command, service, ctx.params), stdin: outcome.stdout });
        return { ...piped, data: { ...outcome.data, pipe: script } };
      },
    };
  },
};

import type { FileContext } from '../context.js';
import { slug } from '../context.js';
import { primaryHost, readUrls } from './urls.js';

/** Title words that say what the document is, not what it is about. */
const GENERIC = /\b(operations?|operational|runbooks?|playbooks?|production|prod|ops|guide|manual|handbook|procedures?|phase\s*\d+|documentation|docs)\b/gi;
const PLACEHOLDER_HOSTS = /(^|\.)(example\.(com|org|net)|localhost|local|internal|svc|cluster)$|^localhost$|^[\d.]+$|^[^.]+$/;

interface Named {
  name: string;
  line: number;
  how: string;
}

function fromTitle(ctx: FileContext): Named | undefined {
  const fm = ctx.runbook.frontMatter;
  const given = typeof fm.service === 'string' ? fm.service : undefined;
  if (given) return { name: given, line: 2, how: 'front matter service:' };
  const heading = ctx.runbook.sections[0];
  if (!heading) return undefined;
  const rest = heading.title.replace(GENERIC, ' ').replace(/[-–—:|&]+/g, ' ').replace(/\s+/g, ' ').trim();
  return rest && /[a-z]/i.test(rest) ? { name: rest, line: heading.line, how: 'title' } : undefined;
}

/** "procedures for Order Service in production." → Order Service (capitalised words after for/of). */
function fromIntro(ctx: FileContext): Named | undefined {
  // The opening paragraphs: before the second heading, or under an Overview heading near the top.
  const limit = Math.min(ctx.lines.length, 15);
  for (let l = 1; l <= limit; l++) {
    const text = ctx.lineText(l);
    if (/^\s*(#|\||[-*] |\d+\.|`)/.test(text)) continue;
    const m = /\b(?:for|of)\s+(?:the\s+)?((?:[A-Z][\w-]*)(?:\s+[A-Z][\w-]*)*)/.exec(text);
    if (m) return { name: m[1]!, line: l, how: 'introduction' };
  }
  return undefined;
}

function fromHost(host: string | undefined, line: number): Named | undefined {
  if (!host) return undefined;
  const name = host.replace(/:\d+$/, '');
  if (PLACEHOLDER_HOSTS.test(name)) return undefined;
  const labels = name.split('.');
  return { name: labels[labels.length - 2] ?? name, line, how: `host ${name}` };
}

/** Alert names as alert rules spell them: `KubePodCrashLooping`, `TargetDown`. */
const ALERT_NAME = /^[A-Z][a-z0-9]+(?:[A-Z][A-Za-z0-9]*)+$/;

/** One procedure named like an alert, as the whole page: a runbook for one alert. */
function isAlertPage(ctx: FileContext): boolean {
  const rb = ctx.runbook;
  if (typeof rb.frontMatter.service === 'string' || rb.procedures.length !== 1) return false;
  const title = rb.procedures[0]!.title.trim();
  return ALERT_NAME.test(title) && title === rb.title.trim();
}

/**
 * The service a runbook is about: named by front matter, its title, its introduction, or the host
 * its commands call; the file name when it says none of these. Its base URL is always a TODO: the
 * hosts in runbooks are often examples (localhost, api.example.com).
 */
export function extractService(ctx: FileContext): void {
  const urls = readUrls(ctx);
  const hasHttp = urls.length > 0 || ctx.runbook.tables.some((t) => t.kind === 'health-endpoints');
  if (!hasHttp && isAlertPage(ctx)) {
    // A page per alert (KubePodCrashLooping.md) is about an alert, not a service: rules link to it.
    ctx.service = slug(ctx.runbook.title) || 'alert';
    ctx.found('alert runbook', `${ctx.runbook.title} (no service: rules whose alert or runbook_url names it link to it)`, ctx.runbook.procedures[0]!.line);
    return;
  }
  const host = primaryHost(urls);
  const hostLine = urls.find((u) => u.host === host)?.line ?? 1;
  const named = fromTitle(ctx) ?? fromIntro(ctx) ?? fromHost(host, hostLine);
  const stem = ctx.ref.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '');
  const name = named?.name ?? stem;
  ctx.service = ctx.state.uniqueId('services', slug(name) || 'service');
  ctx.hasService = true;
  const notes: string[] = [named ? `named from the ${named.how}` : 'the runbook names no service: named after the file, rename freely'];
  const body: Record<string, unknown> = { id: ctx.service, name };
  if (hasHttp) {
    ctx.baseUrl = ctx.todo('base_url', host ? `base URL of ${name} (the runbook calls ${urls.find((u) => u.host === host)!.url.replace(/^(https?:\/\/[^/]+).*$/, '$1')})` : `base URL of ${name}`);
    ctx.primaryHost = host;
    body.base_url = ctx.baseUrl;
  }
  const hostname = host?.replace(/:\d+$/, '');
  if (hostname) {
    const owner = ctx.state.aliases.get(hostname);
    if (owner === undefined) {
      ctx.state.aliases.set(hostname, ctx.service);
      body.aliases = [hostname];
      notes.push(`aliases: the runbook's commands call ${host} (line ${hostLine})`);
    } else notes.push(`${hostname} is already an alias of ${owner}`);
  }
  const line = named?.line ?? 1;
  ctx.add({ section: 'services', id: ctx.service, body, sources: [ctx.src(line)], notes });
  ctx.found('service', `${ctx.service} (${name})`, line);
}

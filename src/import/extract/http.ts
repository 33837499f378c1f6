import { commandBasicAuth, commandHeaders, isCredentialHeader } from '../../lib/secrets.js';
import type { FileContext } from '../context.js';
import type { Item } from '../model.js';
import { condition, parseThreshold } from '../threshold.js';
import { readUrls } from './urls.js';

function pathSlug(path: string): string {
  return path.replace(/[?#].*$/, '').replace(/^\/+|\/+$/g, '') || 'root';
}

/**
 * A response-time bound an endpoint table gives ("SLA <10ms") as a latency SLO on its check, with
 * the bound in milliseconds. The table says how fast, not for what share of requests: the objective
 * is a TODO, and the SLO raises no alerts until it is set.
 */
function addSla(ctx: FileContext, check: Item, threshold: string, said: string, line: number): void {
  const objective = ctx.todo(`${check.id.startsWith(`${ctx.service}-`) ? check.id.slice(ctx.service.length + 1) : check.id}_sla_objective`, `share of ${check.id}'s responses that must be under ${threshold} (e.g. 99%)`);
  const body = { kind: 'latency', service: ctx.service, checks: [check.id], threshold, objective, alerts: false };
  const notes = [`"${said}" (line ${line}): every response under ${threshold}; the runbook gives no share of responses, so the objective is yours to set`];
  const item = ctx.add({ section: 'slos', body, sources: [ctx.src(line)], notes }, `${check.id}-sla`);
  ctx.found('slo', `${item.id}: latency under ${threshold} on ${check.id}, objective TODO`, line);
}

/**
 * The credentials a runbook's curl line sends, as the headers a check sends them with (made `${NAME}`
 * references by withoutCredentials): its credential headers, and its Basic auth (`-u user:PASSWORD`,
 * `https://user:PASSWORD@host`) as `Authorization: Basic …`. A value the runbook leaves to fill
 * (`Bearer $TOKEN`, `<api key>`, `-u admin:$PASS`) is not one to send.
 */
export function curlCredentialHeaders(text: string): Record<string, string> | undefined {
  const sent = commandHeaders(text).filter(([name, value]) => isCredentialHeader(name) && !/[$<>{}]/.test(value));
  const basic = commandBasicAuth(text);
  if (basic !== undefined && !/[$<>{}]/.test(basic) && !sent.some(([name]) => /^authorization$/i.test(name))) sent.push(['Authorization', `Basic ${Buffer.from(basic).toString('base64')}`]);
  return sent.length > 0 ? Object.fromEntries(sent) : undefined;
}

/**
 * HTTP checks from health-endpoint tables (`| /_health/ready | Readiness probe | No | <100ms |`)
 * and from read-only curl lines. The runbook's host becomes the service's base URL variable; the
 * SLA column becomes a warning on response time and a latency SLO, an expected `{"status": "…"}` a body condition.
 */
export function extractHttpChecks(ctx: FileContext, linkFor: (text: string[]) => string | undefined): void {
  const byPath = new Map<string, Item>();
  for (const table of ctx.runbook.tables) {
    if (table.kind !== 'health-endpoints') continue;
    table.records.forEach((r, i) => {
      const path = (r.path ?? '').replace(/[`*]/g, '').trim();
      if (!path.startsWith('/') || !ctx.baseUrl) return;
      const line = ctx.rowLine(table, i);
      const notes = [`${path}: ${r.purpose || 'endpoint'}${r.auth ? ` (auth: ${r.auth})` : ''}${r.sla ? `, ${table.headers[3] ?? 'expected'} ${r.sla}` : ''}`];
      const body: Record<string, unknown> = { kind: 'http', service: ctx.service, url: `${ctx.baseUrl}${path}` };
      const sla = r.sla ? parseThreshold(r.sla) : undefined;
      const status = /"status"\s*:\s*"([\w-]+)"/.exec(r.sla ?? '');
      if (sla?.unit === 'duration' && (sla.op === '<' || sla.op === '<=')) {
        body.warning = [condition('[RESPONSE_TIME]', sla, { negate: true, domain: 'milliseconds' })];
      } else if (status) {
        body.kind = 'json';
        body.conditions = ['[STATUS] < 400', `[BODY].status == ${status[1]}`];
      }
      if (/prometheus|metrics/i.test(`${r.purpose} ${path}`)) ctx.metricsPath ??= { path, line };
      const runbook = linkFor([path]);
      if (runbook) body.runbook = runbook;
      const item = ctx.add({ section: 'checks', body, sources: [ctx.src(line)], notes }, `${ctx.service}-${pathSlug(path)}`);
      byPath.set(path.replace(/\/$/, ''), item);
      ctx.found('check', `${item.id}: ${body.kind} ${path}${body.warning ? ` — warning ${(body.warning as string[])[0]}` : ''}${body.conditions ? ` — ${(body.conditions as string[])[1]}` : ''}`, line);
      if (body.warning && sla?.seconds !== undefined) addSla(ctx, item, `${Math.round(sla.seconds * 1000)}ms`, `${table.headers[3] ?? 'SLA'} ${r.sla}`, line);
    });
  }
  const seen = new Set<string>();
  for (const u of readUrls(ctx)) {
    const key = `${u.host}${u.path}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const mapped = ctx.urlFor(u.url);
    if (!mapped) continue;
    const samePath = u.host === ctx.primaryHost ? byPath.get(u.path.replace(/\/$/, '')) : undefined;
    const headers = curlCredentialHeaders(u.command.text);
    if (samePath) {
      samePath.sources.push(ctx.src(u.line));
      if (headers) samePath.body.headers = { ...(samePath.body.headers as Record<string, string> | undefined), ...headers };
      continue;
    }
    if (/\/metrics\/?$/.test(u.path) && u.host === ctx.primaryHost) ctx.metricsPath ??= { path: u.path, line: u.line };
    const body: Record<string, unknown> = { kind: 'http', service: ctx.service, url: mapped.url };
    if (headers) body.headers = headers;
    const runbook = linkFor([u.path]);
    if (runbook) body.runbook = runbook;
    const notes = [`the runbook runs: ${u.command.text.split('\n')[0]!.trim()}`];
    const item = ctx.add({ section: 'checks', body, sources: [ctx.src(u.line)], notes }, `${ctx.service}-${u.host === ctx.primaryHost ? '' : `${u.host.split(/[.:]/)[0]}-`}${pathSlug(u.path)}`);
    ctx.found('check', `${item.id}: http GET ${u.url}`, u.line);
  }
}

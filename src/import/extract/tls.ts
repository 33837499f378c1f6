import type { FileContext } from '../context.js';
import { parseThreshold } from '../threshold.js';

/**
 * A certificate-expiry check where the runbook covers certificates (a procedure or section about
 * certificate expiry or renewal). The host is a TODO; the one the runbook's openssl or curl line
 * uses goes in a note. "Alert at 30 days" becomes the warning.
 */
export function extractTls(ctx: FileContext, linkFor: (terms: string[]) => string | undefined): void {
  const procedure = ctx.runbook.procedures.find((p) => /certificate|\bcerts?\b|\bssl\b|\btls\b/i.test(p.title));
  const headingLine = procedure?.line ?? findHeading(ctx);
  if (headingLine === undefined) return;
  const end = procedure?.endLine ?? ctx.lines.length;
  let host: string | undefined;
  let port: number | undefined;
  let hostLine: number | undefined;
  for (let l = headingLine; l <= end && !host; l++) {
    const m = /-connect\s+([\w.-]+):(\d+)/.exec(ctx.lineText(l)) ?? /https:\/\/([\w.-]+)(?::(\d+))?/.exec(ctx.lineText(l));
    if (m) {
      host = m[1];
      port = m[2] ? Number(m[2]) : undefined;
      hostLine = l;
    }
  }
  let warning: { text: string; days: number; line: number } | undefined;
  for (const item of ctx.listItems) {
    if (!/certificate|\bcert\b|ssl|tls/i.test(item.text)) continue;
    const th = parseThreshold(item.text);
    if (th?.unit === 'duration' && th.seconds !== undefined) warning = { text: item.text, days: th.seconds / 86_400, line: item.line };
  }
  const body: Record<string, unknown> = {
    kind: 'tls',
    service: ctx.service,
    host: ctx.todo('tls_host', `host whose certificate to watch${host ? ` (the runbook checks ${host})` : ''}`),
    ...(port !== undefined && port !== 443 ? { port } : {}),
    interval: '1h',
  };
  if (warning) body.warning = [`[CERTIFICATE_EXPIRATION] < ${warning.days}d`];
  const runbook = procedure ? ctx.reference(procedure) : linkFor(['certificate']);
  if (runbook) body.runbook = runbook;
  const notes = [`the runbook covers certificates at line ${headingLine}${host ? `; it checks ${host}${port ? `:${port}` : ''} (line ${hostLine})` : ''}`];
  if (warning) notes.push(`warning: "${warning.text}" (line ${warning.line})`);
  const sources = [ctx.src(headingLine), ...(warning ? [ctx.src(warning.line)] : [])];
  const item = ctx.add({ section: 'checks', body, sources, notes }, `${ctx.service}-certificate`);
  ctx.found('check', `${item.id}: tls certificate expiry${warning ? ` — warning [CERTIFICATE_EXPIRATION] < ${warning.days}d` : ''}`, headingLine);
  if (runbook) ctx.found('runbook link', `${item.id} → ${runbook}`, headingLine);
}

function findHeading(ctx: FileContext): number | undefined {
  for (let l = 1; l <= ctx.lines.length; l++) if (/^#{1,6}\s.*\bcertificates?\b.*\b(expir|renew|rotat)/i.test(ctx.lineText(l))) return l;
  return undefined;
}

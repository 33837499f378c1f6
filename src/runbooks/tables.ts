import { lineOf, PlainTexts, type Token } from './markdown.js';
import type { Table, TableKind } from './model.js';

/** Field names per table kind, each found by the header words that name it. */
const FIELDS: Record<Exclude<TableKind, 'generic'>, Record<string, RegExp>> = {
  'severity-levels': { level: /^(severity|level|priority|sev)$/, description: /description|definition|meaning|impact/, responseTime: /response|ack/, escalation: /escalat/, examples: /example/ },
  'alert-thresholds': { metric: /metric|alert|signal|endpoint type/, warning: /warn/, critical: /crit|alert threshold|threshold/, description: /description/ },
  slos: { metric: /metric|endpoint|scenario|slo|objective|indicator/, target: /target|objective|p50|p95|p99/, window: /measurement|window|period/, p50: /p50/, p95: /p95/, p99: /p99/ },
  'health-endpoints': { path: /endpoint|path|url|route/, purpose: /purpose|description|checks/, auth: /auth/, sla: /sla|latency|expected/ },
  'backup-schedule': { component: /component|type|what|database|target/, method: /method|tool/, frequency: /frequency|schedule|when/, retention: /retention|keep/ },
  'environment-variables': { name: /variable|name|env/, description: /description|purpose/, required: /required/, default: /default/, example: /example/ },
  contacts: { level: /level|role|tier/, contact: /contact|who|name|owner|channel/, responseTime: /response/, escalation: /escalat/ },
  components: { component: /component|service/, purpose: /purpose|role|description/, scaling: /scal/ },
};

/** Which kind a table is, from its headers (and the section it sits in, for ambiguous ones). */
export function tableKind(headers: string[], section: string): TableKind {
  const h = headers.map((x) => x.toLowerCase());
  const has = (re: RegExp): boolean => h.some((x) => re.test(x));
  const first = h[0] ?? '';
  if (/variable/.test(first)) return 'environment-variables';
  if (has(/^endpoint$|^path$/) && (has(/purpose|auth|sla|expected/))) return 'health-endpoints';
  if (/^(severity|priority|sev)$/.test(first) || (/^level$/.test(first) && has(/description|definition/) && has(/response/))) return 'severity-levels';
  if (/^(level|role|tier)$/.test(first) && has(/contact/)) return 'contacts';
  if (has(/frequency|schedule/) && has(/retention/)) return 'backup-schedule';
  if (has(/^warning$|warn/) && has(/^critical$|crit/)) return 'alert-thresholds';
  if (has(/alert threshold|threshold/) && has(/metric/)) return 'alert-thresholds';
  if (has(/^p50$|^p95$|^p99$/) || (has(/^target/) && /slo|objective|availability|error rate|throughput|latency/i.test(section))) return 'slos';
  if (has(/^target$/) && has(/measurement|window/)) return 'slos';
  if (/^component$/.test(first) && has(/purpose|scal/)) return 'components';
  return 'generic';
}

function records(kind: TableKind, headers: string[], rows: string[][]): Record<string, string>[] {
  if (kind === 'generic') return [];
  const fields = FIELDS[kind];
  const used = new Set<number>();
  const columns: [string, number][] = [];
  const lower = headers.map((hd) => hd.toLowerCase());
  for (const [field, re] of Object.entries(fields)) {
    const idx = lower.findIndex((hd, i) => !used.has(i) && re.test(hd));
    if (idx >= 0) {
      used.add(idx);
      columns.push([field, idx]);
    }
  }
  // The fields are the names in `FIELDS` (none is `__proto__`): each record is built by assignment, in column order.
  return rows.map((r) => {
    const record: Record<string, string> = {};
    for (const [f, i] of columns) record[f] = r[i] ?? '';
    return record;
  });
}

/** Every table in the document: headers, rows as plain text, and typed records when the kind is known. */
export function readTables(tokens: Token[], sectionAt: (line: number) => string, texts = new PlainTexts(tokens)): Table[] {
  const out: Table[] = [];
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i]!.type !== 'table_open') continue;
    const line = lineOf(tokens[i]!);
    const headers: string[] = [];
    const rows: string[][] = [];
    let row: string[] | undefined;
    let inHead = false;
    for (i++; i < tokens.length && tokens[i]!.type !== 'table_close'; i++) {
      const t = tokens[i]!;
      if (t.type === 'thead_open') inHead = true;
      else if (t.type === 'thead_close') inHead = false;
      else if (t.type === 'tr_open') row = [];
      else if (t.type === 'tr_close' && row) {
        if (!inHead) rows.push(row);
        row = undefined;
      } else if (t.type === 'inline') (inHead ? headers : row)?.push(texts.at(i));
    }
    const section = sectionAt(line);
    const kind = tableKind(headers, section);
    out.push({ kind, line, section, headers, rows, records: records(kind, headers, rows) });
  }
  return out;
}

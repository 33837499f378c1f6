import type { Phase, Procedure, Runbook, Table } from '../runbooks/index.js';
import { readListItems, type ListItem } from './list-items.js';
import { at, type Finding, type Item, type LadderRow, type Section, type Source, type Todo, type PrometheusRule } from './model.js';

/** What every file's extraction adds to: ids stay unique and TODO names are shared across files. */
export class ProposalState {
  readonly items: Item[] = [];
  readonly findings: Finding[] = [];
  readonly prometheusRules: PrometheusRule[] = [];
  readonly todos = new Map<string, string>();
  private readonly ids = new Map<Section, Set<string>>();
  /** Host names already given to a service as aliases (one service per host). */
  readonly aliases = new Map<string, string>();
  /** The severity ids on the proposed ladder, once a table gave one. */
  ladder: string[] | undefined;
  /** The rows of the runbook's severity table, to match alerts against their descriptions. */
  readonly ladderRows: LadderRow[] = [];

  uniqueId(section: Section, base: string): string {
    const used = this.ids.get(section) ?? new Set<string>();
    this.ids.set(section, used);
    const clean = slug(base).slice(0, 90) || section;
    let id = clean;
    for (let n = 2; used.has(id); n++) id = `${clean}-${n}`;
    used.add(id);
    return id;
  }

  todoList(): Todo[] {
    return [...this.todos].map(([name, hint]) => ({ name, hint }));
  }
}

export function slug(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** `billing` → `BILLING`, `order-api` → `ORDER_API`: the part of a variable name that says whose it is. */
export function envPart(text: string): string {
  return slug(text).replace(/-/g, '_').toUpperCase();
}

/** One runbook being imported: its model, raw lines and list items, and helpers every extractor uses. */
export class FileContext {
  readonly lines: string[];
  readonly listItems: ListItem[];
  service = '';
  /** False for a Prometheus rules file: its checks then name no service. */
  hasService = false;
  /** `${TODO_…_BASE_URL}` of the service, once HTTP checks need one. */
  baseUrl: string | undefined;
  /** Host (host:port) the runbook's own URLs use; those resolve against baseUrl. */
  primaryHost: string | undefined;
  /** Path of a Prometheus metrics endpoint the runbook names, if any. */
  metricsPath: { path: string; line: number } | undefined;

  constructor(
    readonly ref: string,
    readonly text: string,
    readonly runbook: Runbook,
    readonly state: ProposalState,
  ) {
    this.lines = text.replace(/\r\n?/g, '\n').split('\n');
    this.listItems = readListItems(text);
  }

  src(line: number): Source {
    return at(this.ref, line);
  }

  lineText(line: number): string {
    return this.lines[line - 1] ?? '';
  }

  /** A `${TODO_<SERVICE>_<WHAT>}` placeholder, registered with its hint. */
  todo(what: string, hint: string): string {
    const name = `TODO_${envPart(this.service)}_${envPart(what)}`;
    if (!this.state.todos.has(name)) this.state.todos.set(name, hint);
    return `\${${name}}`;
  }

  add(item: Omit<Item, 'id'> & { id?: string }, base?: string): Item {
    const id = item.id ?? this.state.uniqueId(item.section, base ?? item.section);
    const full: Item = { ...item, id, body: item.body.id === undefined && item.section !== 'users' ? { id, ...item.body } : item.body };
    this.state.items.push(full);
    return full;
  }

  found(what: Finding['what'], text: string, line: number): void {
    this.state.findings.push({ what, text, source: this.src(line) });
  }

  /**
   * Line of a table's data row: header, delimiter, then one line per row. Checked against the
   * row's first cell so a table with odd line breaks falls back to the table's own line.
   */
  rowLine(table: Table, index: number): number {
    const line = table.line + 2 + index;
    const first = (table.rows[index]?.[0] ?? '').replace(/[`*]/g, '').trim();
    return this.lineText(line).replace(/[`*]/g, '').includes(first) ? line : table.line;
  }

  procedureAt(line: number): Procedure | undefined {
    return this.runbook.procedures.find((p) => p.line <= line && line <= p.endLine);
  }

  phaseAt(line: number): Phase | undefined {
    const p = this.procedureAt(line);
    let found: Phase | undefined;
    for (const ph of p?.phases ?? []) if (ph.line <= line) found = ph;
    return found;
  }

  /** `FILE#ID` of a procedure of this runbook. */
  reference(p: Procedure): string {
    return `${this.ref}#${p.id}`;
  }

  /** "**Severity**: P2 (High)" inside a procedure: the severity id it names. */
  procedureSeverity(p: Procedure): { id: string; line: number } | undefined {
    for (let l = p.line; l <= p.endLine; l++) {
      const m = /^\s*(?:[-*]\s*)?\*\*Severity\*\*\s*:?\s*\**\s*:?\s*([A-Za-z]*\d+)\b/i.exec(this.lineText(l));
      if (m) return { id: m[1]!.toUpperCase(), line: l };
    }
    return undefined;
  }

  /** The URL a runbook URL becomes in config: the service base URL, or a variable per other host. */
  urlFor(raw: string): { url: string; host: string } | undefined {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      return undefined;
    }
    const path = `${u.pathname}${u.search}`;
    if (u.host === this.primaryHost && this.baseUrl) return { url: `${this.baseUrl}${path === '/' ? '' : path}`, host: u.host };
    const v = this.todo(`${u.hostname.split('.')[0]}_url`, `base URL of the host the runbook calls ${u.protocol}//${u.host}`);
    return { url: `${v}${path === '/' ? '' : path}`, host: u.host };
  }
}

import type { CodeBlock, Effect, PhaseKind, Runbook, RunbookWarning, Target, TableKind } from './model.js';

/** A command inside a block, as the documented JSON shows it. */
export interface CommandJson {
  text: string;
  line: number;
  target: Target;
  effect: Effect;
  reasons: string[];
  placeholders: string[];
}

export interface BlockJson {
  line: number;
  language: string;
  target: Target;
  code: string;
  effect: Effect;
  reasons: string[];
  placeholders: string[];
  commands: CommandJson[];
}

/** The stable JSON of `opsbook runbook show --json`, documented in docs/runbooks.md. */
export interface RunbookJson {
  file: string;
  title: string;
  procedures: {
    id: string;
    title: string;
    line: number;
    phases: { kind: PhaseKind; line: number; steps: { text: string; line: number; blocks: BlockJson[] }[] }[];
  }[];
  blocks: BlockJson[];
  tables: { kind: TableKind; line: number; headers: string[]; rows: string[][] }[];
  checklists: { title: string; line: number; items: { text: string; checked: boolean }[] }[];
  warnings: RunbookWarning[];
}

export function blockToJson(b: CodeBlock): BlockJson {
  return {
    line: b.line,
    language: b.language,
    target: b.target,
    code: b.code,
    effect: b.effect,
    reasons: b.reasons,
    placeholders: b.placeholders,
    commands: b.commands.map((c) => ({ text: c.text, line: c.line, target: c.target, effect: c.effect, reasons: c.reasons, placeholders: c.placeholders })),
  };
}

/** Exactly the documented keys, in the documented order. `warnings` are the reader's own plus any given (lint). */
export function runbookToJson(rb: Runbook, extraWarnings: RunbookWarning[] = []): RunbookJson {
  return {
    file: rb.file,
    title: rb.title,
    procedures: rb.procedures.map((p) => ({
      id: p.id,
      title: p.title,
      line: p.line,
      phases: p.phases.map((ph) => ({
        kind: ph.kind,
        line: ph.line,
        steps: ph.steps.map((s) => ({ text: s.text, line: s.line, blocks: s.blocks.map(blockToJson) })),
      })),
    })),
    blocks: rb.blocks.map(blockToJson),
    tables: rb.tables.map((t) => ({ kind: t.kind, line: t.line, headers: t.headers, rows: t.rows })),
    checklists: rb.checklists.map((c) => ({ title: c.title, line: c.line, items: c.items.map((i) => ({ text: i.text, checked: i.checked })) })),
    warnings: [...rb.warnings, ...extraWarnings].sort((a, b) => a.line - b.line),
  };
}

/**
 * The Runbook model: what opsbook reads out of a markdown runbook. Line numbers are 1-based and
 * always refer to the original file (front matter included).
 */

/** What running a command does to the system it talks to, from harmless to irreversible. */
export type Effect = 'read' | 'write' | 'destructive' | 'unknown';

/** What a block or command talks to; executors are chosen by it. */
export type Target =
  | 'shell'
  | 'sql'
  | 'redis'
  | 'kubectl'
  | 'http'
  | 'mongo'
  | 'python'
  | 'celery'
  | 'aws'
  | 'minio'
  | 'docker'
  | 'systemd'
  | 'git'
  | 'promql'
  | 'config'
  | 'text';

/** One command inside a code block: a shell statement, an SQL statement, a Redis command… */
export interface Command {
  text: string;
  line: number;
  target: Target;
  effect: Effect;
  reasons: string[];
  placeholders: string[];
  /** The database a restore loads into: destructive, unless the same procedure created it (a scratch database). */
  restoresInto?: string;
  /** The database this command creates (`createdb`, `CREATE DATABASE`). */
  createsDatabase?: string;
}

/** A code block: fenced (known by its opening fence line) or indented (by its first code line). */
export interface CodeBlock {
  line: number;
  /** Last line of the block (the closing fence, or the last line when the fence is never closed). */
  endLine: number;
  /** False for an indented (4-space) block, which has no fence and so no language of its own. */
  fenced: boolean;
  /** The fence's language, or one inferred from the code when the fence has none. */
  language: string;
  /** True when `language` was inferred rather than written on the fence. */
  languageInferred: boolean;
  target: Target;
  code: string;
  effect: Effect;
  reasons: string[];
  placeholders: string[];
  commands: Command[];
}

export type PhaseKind =
  | 'symptoms'
  | 'impact'
  | 'diagnosis'
  | 'resolution'
  | 'verification'
  | 'rollback'
  | 'prevention'
  | 'post-incident'
  | 'escalation'
  /** Steps the runbook gives without naming a phase ("Procedure:", a bare list of steps). */
  | 'steps';

export interface Step {
  text: string;
  line: number;
  blocks: CodeBlock[];
}

export interface Phase {
  kind: PhaseKind;
  /** The heading or bold label the phase was recognised from; empty when inferred. */
  label: string;
  /** Other phases the same label names ("Diagnosis and mitigation"); absent when it names one. */
  also?: PhaseKind[];
  line: number;
  steps: Step[];
}

export interface Procedure {
  /** The runbook's own id (`RB-001`) or a slug of the title, unique within the file. */
  id: string;
  title: string;
  line: number;
  endLine: number;
  phases: Phase[];
}

export interface Section {
  title: string;
  level: number;
  line: number;
  /** Last line that belongs to the section (before the next heading of the same or a higher level). */
  endLine: number;
  /** GitHub-style anchor (`#health-checks--monitoring`). */
  anchor: string;
  /** No content at all: no text, no block, no sub-section. */
  empty: boolean;
  children: Section[];
}

export type TableKind =
  | 'severity-levels'
  | 'alert-thresholds'
  | 'slos'
  | 'health-endpoints'
  | 'backup-schedule'
  | 'environment-variables'
  | 'contacts'
  | 'components'
  | 'generic';

export interface Table {
  kind: TableKind;
  line: number;
  /** Title of the section the table sits in. */
  section: string;
  headers: string[];
  rows: string[][];
  /** Rows as objects keyed by field (`level`, `responseTime`, …) for typed kinds; empty for generic tables. */
  records: Record<string, string>[];
}

export interface ChecklistItem {
  text: string;
  checked: boolean;
  line: number;
}

export interface Checklist {
  title: string;
  line: number;
  items: ChecklistItem[];
}

export interface Link {
  href: string;
  text: string;
  line: number;
}

export interface RunbookWarning {
  code: string;
  line: number;
  message: string;
}

export interface Runbook {
  file: string;
  title: string;
  frontMatter: Record<string, unknown>;
  sections: Section[];
  procedures: Procedure[];
  blocks: CodeBlock[];
  tables: Table[];
  checklists: Checklist[];
  links: Link[];
  /** Prose outside code (paragraphs, list items, table cells), used to tell whether placeholders are explained. */
  prose: string;
  lineCount: number;
  warnings: RunbookWarning[];
}

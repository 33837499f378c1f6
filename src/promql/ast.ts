import type { Matcher } from './matchers.js';

/** Where an `@` modifier pins a selector or subquery: a time in ms, or the query's start or end. */
export type AtModifier = { kind: 'time'; ms: number } | { kind: 'start' } | { kind: 'end' };

export interface VectorSelector {
  type: 'VectorSelector';
  name?: string;
  matchers: Matcher[];
  /** ms; negative offsets look forward. */
  offset: number;
  at?: AtModifier;
}

export interface VectorMatching {
  card: 'one-to-one' | 'many-to-one' | 'one-to-many' | 'many-to-many';
  /** `on(...)` when true, `ignoring(...)` when false. */
  on: boolean;
  labels: string[];
  /** The labels a `group_left(...)`/`group_right(...)` copies from the "one" side. */
  include: string[];
}

export type Expr =
  | { type: 'NumberLiteral'; value: number }
  | { type: 'StringLiteral'; value: string }
  | VectorSelector
  | { type: 'MatrixSelector'; selector: VectorSelector; range: number }
  | { type: 'Subquery'; expr: Expr; range: number; step?: number; offset: number; at?: AtModifier }
  | { type: 'Call'; func: string; args: Expr[]; position: number }
  | { type: 'Aggregate'; op: string; param?: Expr; expr: Expr; grouping: string[]; without: boolean }
  | { type: 'Binary'; op: string; lhs: Expr; rhs: Expr; bool: boolean; matching?: VectorMatching }
  | { type: 'Unary'; op: '-' | '+'; expr: Expr }
  | { type: 'Paren'; expr: Expr };

export type ExprType = 'scalar' | 'string' | 'vector' | 'matrix';

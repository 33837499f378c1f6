import { conditionError, tokenize, type PathSegment, type Token } from './tokenize.js';
import { Literal, parseLiteral } from './literal.js';

export type ComparisonOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

export type ConditionNode =
  | { type: 'placeholder'; name: string; path: PathSegment[]; text: string; pos: number }
  | { type: 'literal'; literal: Literal; pos: number }
  | { type: 'call'; fn: 'len' | 'has' | 'pat' | 'any'; args: ConditionNode[]; pos: number }
  | { type: 'compare'; op: ComparisonOp; left: ConditionNode; right: ConditionNode; pos: number }
  | { type: 'and' | 'or'; left: ConditionNode; right: ConditionNode }
  | { type: 'not'; operand: ConditionNode };

export interface ParsedCondition {
  text: string;
  ast: ConditionNode;
  /** Placeholder names the condition reads, without brackets. */
  placeholders: string[];
}

const COMPARISONS = new Set(['==', '!=', '<', '<=', '>', '>=']);

/**
 * Parses a condition in Gatus' syntax (`[STATUS] == 200`, `len([BODY].items) > 0`,
 * `[BODY].status == pat(*ok*)`, `[CERTIFICATE_EXPIRATION] > 720h`), extended with `&&`, `||`, `!`
 * and parentheses. Precedence, loosest first: `||`, `&&`, comparison, `!`. Throws
 * OPSBOOK_E_CHECK_CONDITION naming the column.
 */
export function parseCondition(text: string): ParsedCondition {
  const tokens = tokenize(text);
  let i = 0;
  const peek = (): Token => tokens[i]!;
  const next = (): Token => tokens[i++]!;
  const isOp = (op: string): boolean => {
    const t = peek();
    return t.type === 'op' && t.op === op;
  };
  const expect = (op: string): void => {
    const t = next();
    if (t.type !== 'op' || t.op !== op) throw conditionError(text, t.pos, `expected "${op}"`);
  };

  const parseOr = (): ConditionNode => {
    let left = parseAnd();
    while (isOp('||')) {
      next();
      left = { type: 'or', left, right: parseAnd() };
    }
    return left;
  };
  const parseAnd = (): ConditionNode => {
    let left = parseComparison();
    while (isOp('&&')) {
      next();
      left = { type: 'and', left, right: parseComparison() };
    }
    return left;
  };
  const parseComparison = (): ConditionNode => {
    const left = parseUnary();
    const t = peek();
    if (t.type === 'op' && COMPARISONS.has(t.op)) {
      next();
      const right = parseUnary();
      checkOperands(text, t.op as ComparisonOp, left, right, t.pos);
      return { type: 'compare', op: t.op as ComparisonOp, left, right, pos: t.pos };
    }
    if (left.type === 'call' && (left.fn === 'pat' || left.fn === 'any')) {
      throw conditionError(text, left.pos, `${left.fn}() belongs on the right of == or !=`);
    }
    if (left.type === 'literal') throw conditionError(text, t.pos, 'expected a comparison such as == or >');
    return left;
  };
  const parseUnary = (): ConditionNode => {
    if (isOp('!')) {
      next();
      return { type: 'not', operand: parseUnary() };
    }
    return parsePrimary();
  };
  const parsePrimary = (): ConditionNode => {
    const t = next();
    if (t.type === 'op' && t.op === '(') {
      const inner = parseOr();
      expect(')');
      return inner;
    }
    if (t.type === 'placeholder') return { type: 'placeholder', name: t.name, path: t.path, text: t.text, pos: t.pos };
    if (t.type === 'function') {
      expect('(');
      const args: ConditionNode[] = [];
      if (!isOp(')')) {
        for (;;) {
          args.push(t.name === 'pat' || t.name === 'any' ? parseWords() : parseUnary());
          if (!isOp(',')) break;
          next();
        }
      }
      expect(')');
      const fn = t.name as 'len' | 'has' | 'pat' | 'any';
      if ((fn === 'len' || fn === 'has' || fn === 'pat') && args.length !== 1) {
        throw conditionError(text, t.pos, `${fn}() takes exactly one argument`);
      }
      if (fn === 'any' && args.length === 0) throw conditionError(text, t.pos, 'any() needs at least one value');
      if ((fn === 'len' || fn === 'has') && args[0]!.type !== 'placeholder') {
        throw conditionError(text, t.pos, `${fn}() takes a placeholder such as [BODY].items`);
      }
      return { type: 'call', fn, args, pos: t.pos };
    }
    if (t.type === 'word') {
      i--;
      return parseWords();
    }
    throw conditionError(text, t.pos, t.type === 'end' ? 'unexpected end of condition' : 'unexpected token');
  };
  // Gatus lets an unquoted right side hold spaces (`[BODY].name == John Doe`): adjacent words join.
  const parseWords = (): ConditionNode => {
    const first = next();
    if (first.type !== 'word') throw conditionError(text, first.pos, 'expected a value');
    let value = first.text;
    while (peek().type === 'word' && !first.quoted) {
      const w = next() as Extract<Token, { type: 'word' }>;
      value += (w.spaceBefore ? ' ' : '') + w.text;
    }
    return { type: 'literal', literal: first.quoted ? new Literal(value) : parseLiteral(value), pos: first.pos };
  };

  const ast = parseOr();
  const end = peek();
  if (end.type !== 'end') throw conditionError(text, end.pos, 'unexpected text after the condition');
  return { text, ast, placeholders: [...new Set(collectPlaceholders(ast))] };
}

function checkOperands(text: string, op: ComparisonOp, left: ConditionNode, right: ConditionNode, pos: number): void {
  if (left.type === 'call' && (left.fn === 'pat' || left.fn === 'any')) {
    throw conditionError(text, left.pos, `${left.fn}() belongs on the right of == or !=`);
  }
  if (right.type === 'call' && (right.fn === 'pat' || right.fn === 'any') && op !== '==' && op !== '!=') {
    throw conditionError(text, pos, `${right.fn}() can only be compared with == or !=`);
  }
}

/**
 * An order (`<`, `<=`, `>`, `>=`) against a word never holds: `[VALUE] > 5OO` would never fire,
 * silently. Throws OPSBOOK_E_CHECK_CONDITION at the word; `hint` ends the message (what else the
 * word could have been). Run on the condition as it is evaluated (a rule condition's bare words read).
 */
export function checkOrders(condition: ParsedCondition, hint = ''): void {
  const visit = (node: ConditionNode): void => {
    switch (node.type) {
      case 'compare':
        if (node.op !== '==' && node.op !== '!=') {
          for (const side of [node.left, node.right]) {
            if (side.type === 'literal' && side.literal.number === undefined) {
              throw conditionError(condition.text, side.pos, `${node.op} compares numbers, durations (720h), percentages (80%) or sizes (10MB), and "${side.literal.text}" is none of them${hint}`);
            }
          }
        }
        visit(node.left);
        visit(node.right);
        return;
      case 'and':
      case 'or':
        visit(node.left);
        visit(node.right);
        return;
      case 'not':
        visit(node.operand);
        return;
      case 'call':
        node.args.forEach(visit);
        return;
      default:
        return;
    }
  };
  visit(condition.ast);
}

function collectPlaceholders(node: ConditionNode): string[] {
  switch (node.type) {
    case 'placeholder':
      return [node.name];
    case 'literal':
      return [];
    case 'call':
      return node.args.flatMap(collectPlaceholders);
    case 'compare':
    case 'and':
    case 'or':
      return [...collectPlaceholders(node.left), ...collectPlaceholders(node.right)];
    case 'not':
      return collectPlaceholders(node.operand);
  }
}

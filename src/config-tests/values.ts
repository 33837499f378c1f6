/**
 * The series notation of `opsbook test`, in the spirit of promtool's expanding notation:
 *
 * - words: `ok` (or `up`), `warning`, `critical`, `down`, and `_` for "no result at this step";
 *   `WORDxN` or `WORD xN` repeats the word N times (`ok x5` is five steps, like promtool's `_x5`);
 * - numbers: `120`, `-3`, `0.5`; `a+bxn` expands to the n+1 values `a a+b … a+n×b` and `a-bxn`
 *   counts down, exactly as promtool does (`10+5x4` is `10 15 20 25 30`; `7x2` is `7 7 7`).
 */

export type StepWord = 'ok' | 'warning' | 'critical' | 'down';

/** One step of a series: nothing, a verdict, or an observed number (an `ok` run that saw it). */
export type Step = { kind: 'missing' } | { kind: 'word'; word: StepWord } | { kind: 'number'; value: number };

export class NotationError extends Error {
  constructor(
    message: string,
    /** 0-based character offset of the bad token in the text. */
    readonly column: number,
  ) {
    super(message);
  }
}

const WORDS: Record<string, StepWord | 'missing'> = { ok: 'ok', up: 'ok', warning: 'warning', critical: 'critical', down: 'down', _: 'missing' };
const NUMBER = String.raw`-?\d+(?:\.\d+)?`;
const WORD_TOKEN = /^(ok|up|warning|critical|down|_)(?:x(\d+))?$/;
const NUMBER_TOKEN = new RegExp(`^(${NUMBER})(?:([+-])(\\d+(?:\\.\\d+)?))?(?:x(\\d+))?$`);
const REPEAT_TOKEN = /^x(\d+)$/;
/** Guards against `ok x100000000` filling memory; a week of 10 s steps is 60,480. */
export const MAX_STEPS = 100_000;

function wordStep(word: StepWord | 'missing'): Step {
  return word === 'missing' ? { kind: 'missing' } : { kind: 'word', word };
}

/** Expands a series text into its steps; throws NotationError naming the bad token and its column. */
export function expandSeries(text: string): Step[] {
  const steps: Step[] = [];
  const tokens = [...text.matchAll(/\S+/g)];
  let lastWord: { word: StepWord | 'missing' } | undefined;
  for (const m of tokens) {
    const token = m[0];
    const column = m.index;
    const push = (step: Step, times: number): void => {
      if (steps.length + times > MAX_STEPS) throw new NotationError(`series longer than ${MAX_STEPS} steps`, column);
      for (let i = 0; i < times; i++) steps.push(step);
    };
    const repeat = REPEAT_TOKEN.exec(token);
    if (repeat) {
      if (!lastWord) throw new NotationError(`"${token}" repeats nothing: write it right after a word (ok x5), or use a+bxn for numbers`, column);
      // `ok x5` means five oks in all: the word itself was already pushed once.
      push(wordStep(lastWord.word), Number(repeat[1]) - 1);
      lastWord = undefined;
      continue;
    }
    const word = WORD_TOKEN.exec(token.toLowerCase());
    if (word) {
      const w = WORDS[word[1]!]!;
      const times = word[2] === undefined ? 1 : Number(word[2]);
      push(wordStep(w), times);
      lastWord = word[2] === undefined ? { word: w } : undefined;
      continue;
    }
    const num = NUMBER_TOKEN.exec(token);
    if (num) {
      const start = Number(num[1]);
      const delta = num[3] === undefined ? 0 : Number(num[3]) * (num[2] === '-' ? -1 : 1);
      const n = num[4] === undefined ? 0 : Number(num[4]);
      if (num[3] !== undefined && num[4] === undefined) throw new NotationError(`"${token}" needs a count: write ${token}xN`, column);
      if (steps.length + n + 1 > MAX_STEPS) throw new NotationError(`series longer than ${MAX_STEPS} steps`, column);
      // Adding the delta step by step would accumulate float error (0.1+0.1+0.1); multiply instead.
      for (let i = 0; i <= n; i++) steps.push({ kind: 'number', value: roundFloat(start + i * delta) });
      lastWord = undefined;
      continue;
    }
    throw new NotationError(`"${token}" is not a step: use ok, warning, critical, down, _, a number, a+bxn or WORDxN`, column);
  }
  return steps;
}

/** Expands a series of numbers only (latencies); words other than `_` are refused. */
export function expandNumbers(text: string): Array<number | undefined> {
  return expandSeries(text).map((s, i) => {
    if (s.kind === 'number') return s.value;
    if (s.kind === 'missing') return undefined;
    throw new NotationError(`step ${i + 1} is "${s.word}": this series takes numbers (or _)`, 0);
  });
}

function roundFloat(x: number): number {
  return Number(x.toPrecision(12));
}

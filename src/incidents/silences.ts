import type { Actor } from '../identity/index.js';
import { isInstant, type Clock } from '../lib/clock.js';
import { OpsbookError } from '../lib/errors/index.js';
import { newId } from '../lib/ids.js';
import { patternProblem } from '../lib/pattern.js';
import { expireSilence, findSilence, insertSilence, listLiveSilences, type Database, type Store } from '../store/index.js';
import type { Kysely, Transaction } from 'kysely';
import { emptyValueProblem, matchAllProblem } from './matcher-scope.js';
import { silenceFromRow } from './rows.js';
import type { Matcher, OnEnd, Silence } from './types.js';

export interface SilenceInput {
  matchers: Matcher[];
  /** Defaults to now. */
  startsAt?: number;
  endsAt: number;
  comment: string;
  onEnd?: OnEnd;
}

const OPS = new Set(['=', '!=', '=~', '!~']);

/** Silences from ops.yaml plus those created at runtime (kept in the store). */
export class SilenceBook {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private configured: readonly Silence[],
  ) {}

  setConfigured(silences: readonly Silence[]): void {
    this.configured = silences;
  }

  /** Silences that have not ended by `at` (some may start later), config ones first. */
  async live(at: number, db: Kysely<Database> | Transaction<Database> = this.store.db): Promise<Silence[]> {
    const runtime = (await listLiveSilences(db, at)).map(silenceFromRow);
    return [...this.configured.filter((s) => s.endsAt > at), ...runtime];
  }

  /** Stores a runtime silence through `db` (a caller's transaction, so its audit entry commits with it). */
  async create(input: SilenceInput, actor: Actor, db: Kysely<Database> = this.store.db): Promise<Silence> {
    const now = this.clock.now();
    validateSilence(input, now);
    const silence: Silence = {
      id: newId('sil', now),
      matchers: input.matchers.map((m) => ({ label: m.label, op: m.op, value: m.value })),
      startsAt: input.startsAt ?? now,
      endsAt: input.endsAt,
      createdBy: actor.name,
      comment: input.comment,
      onEnd: input.onEnd ?? 'notify_if_firing',
      origin: 'runtime',
    };
    await insertSilence(db, {
      id: silence.id,
      // The column keeps what the matchers need to be re-read: the matchers and what to do at the end.
      matchers: JSON.stringify({ matchers: silence.matchers, onEnd: silence.onEnd }),
      starts_at: silence.startsAt,
      ends_at: silence.endsAt,
      created_by: silence.createdBy,
      created_at: now,
      comment: silence.comment,
      expired_at: null,
    });
    return silence;
  }

  async expire(id: string, db: Kysely<Database> = this.store.db): Promise<void> {
    const ok = await expireSilence(db, id, this.clock.now());
    if (!ok) {
      const exists = await findSilence(db, id);
      throw new OpsbookError('OPSBOOK_E_SILENCE_UNKNOWN', exists ? `silence ${id} has already ended` : `no silence with id ${id}`, { details: { id } });
    }
  }
}

/** Throws OPSBOOK_E_SILENCE_INVALID, with the field, when the input cannot make a silence at `now`. */
export function validateSilence(input: SilenceInput, now: number): void {
  const fail = (path: string, message: string): never => {
    throw new OpsbookError('OPSBOOK_E_SILENCE_INVALID', message, { location: { path } });
  };
  input.matchers.forEach((m, i) => {
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(m.label)) fail(`matchers[${i}].label`, `"${m.label}" is not a label name`);
    if (!OPS.has(m.op)) fail(`matchers[${i}].op`, `"${m.op}" is not one of =, !=, =~, !~`);
    if (m.op === '=~' || m.op === '!~') {
      const problem = patternProblem(m.value);
      if (problem) fail(`matchers[${i}].value`, `is not a regular expression opsbook can match in linear time: ${problem}`);
    }
    const empty = emptyValueProblem(m);
    if (empty) fail(`matchers[${i}].value`, empty);
  });
  const all = matchAllProblem(input.matchers);
  if (all) fail('matchers', `a silence ${all}`);
  if (input.startsAt !== undefined && !isInstant(input.startsAt)) fail('startsAt', `${input.startsAt} is not an instant in epoch ms between 1970 and the year 9999`);
  if (!isInstant(input.endsAt)) fail('endsAt', `${input.endsAt} is not an instant in epoch ms between 1970 and the year 9999`);
  const starts = input.startsAt ?? now;
  if (input.endsAt <= starts) fail('endsAt', 'a silence must end after it starts');
  if (input.endsAt <= now) fail('endsAt', 'a silence must end in the future');
  if (input.comment.trim() === '') fail('comment', 'a silence needs a comment saying why');
}

import { silenceFromRow, type Silence } from '../incidents/index.js';
import type { Clock } from '../lib/clock.js';
import { listLiveSilences, type Store } from '../store/index.js';
import type { Logger } from './logger.js';
import { SharedRead, type ReadinessCheck } from './store-readiness.js';

/**
 * Silences stored before opsbook refused ones that take in too much (a `team=""` silence holds the
 * pages of every incident without a team label) still apply: a stored silence is never changed
 * behind its author's back, and expiring it could page a team mid-maintenance. Instead, at the start
 * and at each reload the log warns of each (what it takes in, how to narrow it), and readiness names
 * them until they end.
 */
export class BroadSilences {
  private found: Silence[] = [];

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** Reads the stored silences in force and warns of each that takes in too much. */
  async look(): Promise<void> {
    try {
      this.found = await this.read();
    } catch (err) {
      // Readiness says whether the store answers; this is only a warning that could not be looked for.
      this.logger.warn({ err }, 'could not read the stored silences to look for ones that take in too much');
      return;
    }
    for (const s of this.found) {
      this.logger.warn(
        { silence: s.id, matchers: s.matchers.map((m) => `${m.label}${m.op}${JSON.stringify(m.value)}`), ends_at: new Date(s.endsAt).toISOString(), created_by: s.createdBy, warning: s.warning },
        'a stored silence takes in more than opsbook accepts now; it stays in force until it ends or is expired',
      );
    }
  }

  /**
   * Readiness' line while one of them has not ended: `ok` (the silence is in force as its author
   * made it; opsbook is not broken), naming their ids only (the probe is public). Read again while
   * any is known, when the store answers, so one expired early leaves the line; waited on no longer
   * than `boundMs` (what is left of the probe's bound after the store check), so a store that stalls
   * after answering that check does not hold the probe: the line then says it is as last read.
   */
  async readiness(storeAnswers: boolean, boundMs: number): Promise<ReadinessCheck | undefined> {
    let stale = false;
    if (this.found.length > 0 && storeAnswers) stale = !(await this.again.within(boundMs)).answered;
    const now = this.clock.now();
    const live = this.found.filter((s) => s.endsAt > now);
    if (live.length === 0) return undefined;
    const ids = live.slice(0, 10).map((s) => s.id).join(', ') + (live.length > 10 ? ` and ${live.length - 10} more` : '');
    const n = live.length === 1 ? '1 stored silence takes' : `${live.length} stored silences take`;
    const asRead = stale ? '; as last read: the store did not answer their read again within the probe\'s bound' : '';
    return { status: 'ok', detail: `${n} in more than opsbook accepts now: ${ids} (still in force; GET /api/silences says what each takes in and how to narrow it)${asRead}` };
  }

  /** The read again for readiness, shared by the probes that ask while it is in flight; one that fails keeps what was found. */
  private readonly again = new SharedRead(async () => {
    this.found = await this.read().catch(() => this.found);
  });

  private async read(): Promise<Silence[]> {
    return (await listLiveSilences(this.store.db, this.clock.now())).map(silenceFromRow).filter((s) => s.warning !== undefined);
  }
}

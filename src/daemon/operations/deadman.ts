import type { OpsConfig } from '../../config/index.js';
import type { Clock } from '../../lib/clock.js';
import { requestText } from '../../lib/http-text.js';
import { VERSION } from '../version.js';

/**
 * The dead-man's switch: while opsbook runs it POSTs a small JSON ping to `paging.deadman.url`
 * every `interval`, so a receiver outside notices when the pings stop — when opsbook itself is
 * down, which no page from opsbook can report. A failed ping is logged and the next one goes out
 * on time (no retries: the receiver judges by silence, not by one lost ping).
 */
export class DeadmanSwitch {
  private cancel: (() => void) | undefined;
  private stopped = false;
  private seq = 0;
  private inFlight: Promise<void> | undefined;

  constructor(
    private readonly config: () => OpsConfig,
    private readonly clock: Clock,
    private readonly logger: { warn(obj: object, msg?: string): void },
  ) {}

  start(): void {
    this.tick();
  }

  private tick(): void {
    const deadman = this.config().paging.deadman;
    if (this.stopped) return;
    if (deadman) this.inFlight = this.ping(deadman.url, deadman.timeout);
    // Re-read each time: a reload may add, remove or change the switch.
    const interval = deadman?.interval ?? 60_000;
    this.cancel = this.clock.at(this.clock.now() + interval, () => this.tick());
  }

  private async ping(url: string, timeoutMs: number): Promise<void> {
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const res = await requestText(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': `opsbook/${VERSION}` },
        body: JSON.stringify({ status: 'up', seq: ++this.seq, at: new Date(this.clock.now()).toISOString(), version: VERSION }),
        signal,
      });
      if (!res.ok) this.logger.warn({ url, status: res.status }, 'dead-man ping refused');
    } catch (err) {
      this.logger.warn({ url, err: (err as Error).message }, 'dead-man ping failed');
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancel?.();
    await this.inFlight;
  }
}

import type { OpsConfig } from '../config/index.js';
import type { Clock } from '../lib/clock.js';
import { StatusPage } from '../statuspage/index.js';
import type { Store } from '../store/index.js';
import type { Logger } from './logger.js';

export interface StatusPublisherHost {
  readonly config: OpsConfig;
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** How often `publish: after_delay` looks for incidents to publish. */
export const STATUS_PUBLISH_EVERY_MS = 60_000;

/**
 * With `status_page.publish: after_delay`, publishes every minute the incidents of public services
 * open longer than `publish_delay` (and mails the subscribers). With `manual` it does nothing.
 */
export class StatusPublisher {
  readonly name = 'status-publisher';
  private cancel?: () => void;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly host: StatusPublisherHost) {}

  start(): void {
    this.arm();
  }

  reload(): void {
    this.cancel?.();
    this.arm();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancel?.();
    await this.running;
  }

  private arm(): void {
    if (this.stopped || this.host.config.status_page.publish !== 'after_delay') return;
    this.cancel = this.host.clock.at(this.host.clock.now() + STATUS_PUBLISH_EVERY_MS, () => {
      this.running = this.running
        .then(async () => {
          const n = await new StatusPage(this.host).autoPublish();
          if (n > 0) this.host.logger.info({ published: n }, 'status page: incidents published after the delay');
        })
        .catch((e: unknown) => this.host.logger.error({ err: e }, 'status page publishing failed'))
        .finally(() => this.arm());
    });
  }
}

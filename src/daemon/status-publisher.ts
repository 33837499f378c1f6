import type { OpsConfig } from '../config/index.js';
import type { Clock } from '../lib/clock.js';
import { StatusPage } from '../statuspage/index.js';
import type { Store } from '../store/index.js';
import type { Logger } from './logger.js';
import { PeriodicTask } from './periodic.js';

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
  private readonly task: PeriodicTask;

  constructor(host: StatusPublisherHost) {
    this.task = new PeriodicTask({
      clock: host.clock,
      next: (now) => (host.config.status_page.publish === 'after_delay' ? now + STATUS_PUBLISH_EVERY_MS : undefined),
      run: async () => {
        const n = await new StatusPage(host).autoPublish();
        if (n > 0) host.logger.info({ published: n }, 'status page: incidents published after the delay');
      },
      onError: (e) => host.logger.error({ err: e }, 'status page publishing failed'),
    });
  }

  start(): void {
    this.task.start();
  }

  reload(): void {
    this.task.reload();
  }

  stop(): Promise<void> {
    return this.task.stop();
  }
}

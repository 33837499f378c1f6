import type { Daemon } from '../../daemon/index.js';
import type { StoreChange } from '../../store/index.js';

// A burst of changes (an action writes its row, its timeline and an audit entry; a step's entry and its end) renders once.
const SETTLE_MS = 50;

/**
 * The store's change feed turned into fresh parts of open pages: while it listens, each change names
 * the page it concerns (`pageOf`), the pages named within 50 ms are rendered once each, in order, one
 * burst after the other (`publishPage`); a page that fails to render is logged and the others go on.
 */
export abstract class SettledFeed {
  private unsubscribe: (() => void) | undefined;
  private readonly pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private rendering: Promise<void> = Promise.resolve();

  constructor(protected readonly daemon: Daemon) {}

  /** Which page a change concerns, if any this feed renders. */
  protected abstract pageOf(change: StoreChange): string | undefined | Promise<string | undefined>;

  /** Renders one page's parts and publishes them. */
  protected abstract publishPage(id: string): Promise<void>;

  /** What the warning of a failed render calls the page. */
  protected abstract readonly what: string;

  /** Listens to the store's changes (once, however often called). */
  protected listen(): void {
    this.unsubscribe ??= this.daemon.store.changes.subscribe((c) => void this.onChange(c));
  }

  /** Resolves once the feed reads from where the store stands (a change committed later reaches the page). */
  ready(): Promise<void> {
    return this.daemon.store.changes.ready();
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }

  private async onChange(change: StoreChange): Promise<void> {
    const id = await this.pageOf(change);
    if (id === undefined || !this.unsubscribe) return;
    this.pending.add(id);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      const ids = [...this.pending];
      this.pending.clear();
      this.rendering = this.rendering.then(() => this.publish(ids));
    }, SETTLE_MS);
  }

  private async publish(ids: string[]): Promise<void> {
    for (const id of ids) {
      if (this.daemon.isStopping) return;
      try {
        await this.publishPage(id);
      } catch (e) {
        this.daemon.logger.warn({ err: e, [this.what]: id }, `live ${this.what} update failed`);
      }
    }
  }
}

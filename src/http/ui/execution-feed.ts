import type { Daemon } from '../../daemon/index.js';
import type { StoreChange } from '../../store/index.js';
import { uiEvents } from './events.js';
import { executionParts, type ExecutionParts } from './pages/execution.js';

// A burst of changes (a step's entry, its end, the execution's row) renders once.
const SETTLE_MS = 50;

/** The live events that bring an open execution page to `parts`, for the streams that follow it. */
export function executionEvents(id: string, parts: ExecutionParts) {
  const audience = executionAudience(id);
  return [
    { type: 'execution', id, audience, html: parts.head.value, readOnlyHtml: parts.readOnlyHead.value, data: { mark: parts.mark } },
    { type: 'executionsteps', id, audience, html: parts.steps.value },
  ];
}

/** The audience of the streams of pages showing one execution: its parts go to them only. */
export function executionAudience(id: string): string {
  return `execution:${id}`;
}

/**
 * Turns the store's change feed into fresh parts of the executions' pages being watched: whichever
 * process ran a step, finished or cancelled (the daemon, a CLI in local mode, another opsbook), every
 * open page of that execution gets its head and steps again. Only watched executions are rendered.
 */
export class ExecutionFeed {
  private readonly watched = new Map<string, number>();
  private unsubscribe: (() => void) | undefined;
  private pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private rendering: Promise<void> = Promise.resolve();

  constructor(private readonly daemon: Daemon) {}

  /** Follows the execution until the returned function is called. */
  watch(id: string): () => void {
    this.watched.set(id, (this.watched.get(id) ?? 0) + 1);
    this.unsubscribe ??= this.daemon.store.changes.subscribe((c) => this.onChange(c));
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const left = (this.watched.get(id) ?? 1) - 1;
      if (left > 0) this.watched.set(id, left);
      else this.watched.delete(id);
      if (this.watched.size === 0) this.stop();
    };
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

  private onChange(change: StoreChange): void {
    if (change.topic !== 'execution' || !this.watched.has(change.id)) return;
    this.pending.add(change.id);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      const ids = [...this.pending];
      this.pending.clear();
      this.rendering = this.rendering.then(() => this.publish(ids));
    }, SETTLE_MS);
  }

  private async publish(ids: string[]): Promise<void> {
    const bus = uiEvents(this.daemon);
    for (const id of ids) {
      if (this.daemon.isStopping || !this.watched.has(id)) continue;
      try {
        const parts = await executionParts(this.daemon, id);
        if (parts) for (const event of executionEvents(id, parts)) bus.publish(event);
      } catch (e) {
        this.daemon.logger.warn({ err: e, execution: id }, 'live execution update failed');
      }
    }
  }
}

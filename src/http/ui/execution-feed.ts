import type { StoreChange } from '../../store/index.js';
import { uiEvents } from './events.js';
import { executionParts, type ExecutionParts } from './pages/execution.js';
import { SettledFeed } from './settled-feed.js';

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
export class ExecutionFeed extends SettledFeed {
  protected readonly what = 'execution';
  private readonly watched = new Map<string, number>();

  /** Follows the execution until the returned function is called. */
  watch(id: string): () => void {
    this.watched.set(id, (this.watched.get(id) ?? 0) + 1);
    this.listen();
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

  protected pageOf(change: StoreChange): string | undefined {
    return change.topic === 'execution' && this.watched.has(change.id) ? change.id : undefined;
  }

  protected async publishPage(id: string): Promise<void> {
    if (!this.watched.has(id)) return;
    const parts = await executionParts(this.daemon, id);
    if (!parts) return;
    const bus = uiEvents(this.daemon);
    for (const event of executionEvents(id, parts)) bus.publish(event);
  }
}

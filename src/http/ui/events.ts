import type { Daemon } from '../../daemon/index.js';

/**
 * A live update for open pages. `type` and `id` name what changed (`check` / `api-health`,
 * `incident` / `inc_…`); `html`, when given, replaces every element marked
 * `data-live="TYPE:ID"` on the page; without it the page shows that something changed.
 */
export interface UiEvent {
  type: 'check' | 'incident' | 'execution' | 'oncall' | (string & {});
  id: string;
  html?: string;
  /** What a page without the right to act shows instead of `html` (no forms). */
  readOnlyHtml?: string;
  /** Only for the streams of this audience (a team view's open-incidents list); every stream when absent. */
  audience?: string;
  /** Small facts for the script (a check's state), never secrets: every signed-in viewer receives them. */
  data?: Record<string, unknown>;
}

/** In-process publish/subscribe between the daemon's work and the browsers watching it. */
export class UiEventBus {
  private subscribers = new Set<(e: UiEvent) => void>();

  publish(event: UiEvent): void {
    for (const s of this.subscribers) {
      try {
        s(event);
      } catch {
        // A broken subscriber (a closed connection) must not stop the others.
      }
    }
  }

  subscribe(fn: (e: UiEvent) => void): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  get size(): number {
    return this.subscribers.size;
  }
}

const buses = new WeakMap<Daemon, UiEventBus>();

/** The daemon's UI event bus; anything in the process may publish to it. */
export function uiEvents(daemon: Daemon): UiEventBus {
  let bus = buses.get(daemon);
  if (!bus) {
    bus = new UiEventBus();
    buses.set(daemon, bus);
  }
  return bus;
}

/** One event in the text/event-stream format (data lines must not contain raw newlines). */
export function formatSse(event: UiEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

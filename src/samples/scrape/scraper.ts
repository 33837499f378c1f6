import type { ScrapeJob } from '../../config/schema/scrape.js';
import type { Clock } from '../../lib/clock.js';
import type { SampleStore } from '../sample-store.js';
import { scrapeTarget, type ScrapeOutcome } from './scrape-once.js';
import { jobTargets, type ScrapeTarget } from './targets.js';

export interface ScraperOptions {
  samples: SampleStore;
  clock: Clock;
  jobs: readonly ScrapeJob[];
  /** Told about each scrape (a failed one carries `error`). */
  onScrape?: (target: ScrapeTarget, outcome: ScrapeOutcome) => void;
}

interface Running {
  target: ScrapeTarget;
  cancel: () => void;
  next: number;
  busy?: boolean;
}

/**
 * Scrapes every target of the `scrape:` jobs on its interval, on the injected clock. Each target has
 * a fixed phase inside its interval, derived from its identity, so targets spread out and a reload
 * keeps each target's rhythm. A target still being scraped when its next turn comes skips that turn.
 */
export class Scraper {
  private readonly running = new Map<string, Running>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private jobs: readonly ScrapeJob[];
  private stopped = true;

  constructor(private readonly options: ScraperOptions) {
    this.jobs = options.jobs;
  }

  /** The targets being scraped, after target relabelling. */
  targets(): ScrapeTarget[] {
    return [...this.running.values()].map((r) => r.target);
  }

  start(): void {
    this.stopped = false;
    this.apply(this.jobs.flatMap(jobTargets));
  }

  /** New jobs: targets that went away end with staleness markers; the others keep their phase. */
  reload(jobs: readonly ScrapeJob[]): void {
    this.jobs = jobs;
    if (!this.stopped) this.apply(jobs.flatMap(jobTargets));
  }

  /** Stops scheduling and waits for scrapes in flight. Series are not marked stale: a restart continues them. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const r of this.running.values()) r.cancel();
    this.running.clear();
    await this.settled();
  }

  /** Resolves once the scrapes started so far have been appended. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private apply(targets: ScrapeTarget[]): void {
    const wanted = new Map(targets.map((t) => [t.key, t]));
    const now = this.options.clock.now();
    for (const [key, r] of this.running) {
      const next = wanted.get(key);
      if (next && next.url === r.target.url && next.intervalMs === r.target.intervalMs) {
        r.target = next;
        continue;
      }
      r.cancel();
      this.running.delete(key);
      if (!next) this.options.samples.endTarget(key, now);
    }
    for (const [key, target] of wanted) {
      if (this.running.has(key)) continue;
      const phase = hash(key) % target.intervalMs;
      const first = Math.floor(now / target.intervalMs) * target.intervalMs + phase;
      const r: Running = { target, cancel: () => {}, next: first > now ? first : first + target.intervalMs };
      this.running.set(key, r);
      this.arm(r);
    }
  }

  private arm(r: Running): void {
    const { clock } = this.options;
    r.cancel = clock.at(r.next, () => {
      if (this.stopped || this.running.get(r.target.key) !== r) return;
      const t = r.next;
      while (r.next <= clock.now()) r.next += r.target.intervalMs;
      this.arm(r);
      if (r.busy) return;
      r.busy = true;
      const run = scrapeTarget(this.options.samples, r.target, t)
        .then((outcome) => this.options.onScrape?.(r.target, outcome))
        .finally(() => {
          r.busy = false;
          this.inFlight.delete(run);
        });
      this.inFlight.add(run);
    });
  }
}

/** FNV-1a: a target's phase inside its interval. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

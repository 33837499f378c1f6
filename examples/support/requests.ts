/**
 * What a stand-in's application counts of its own traffic: every response it really sent, by status
 * code (`http_requests_total{status}`), with an access-log line on stderr for each, at ERROR for a
 * 5xx, as the app's log shows it. The codes it knows start at 0, as an app initialises its labels: a
 * restarted process then shows its 500s back at 0 (a counter reset) rather than a series that
 * vanished, whose last increase a range query would go on reading.
 */
import type { Handler, StandinResponse } from './standin.js';

export class ResponseCounter {
  private readonly byStatus: Map<string, number>;

  constructor(known: readonly number[] = [200, 500]) {
    this.byStatus = new Map(known.map((c) => [String(c), 0]));
  }

  record(method: string, path: string, status: number): void {
    const code = String(status);
    this.byStatus.set(code, (this.byStatus.get(code) ?? 0) + 1);
    const level = status >= 500 ? 'ERROR' : 'INFO';
    process.stderr.write(`${new Date().toISOString()} ${level} "${method} ${path}" ${status}\n`);
  }

  /** `status` label samples, in code order. */
  samples(): Array<{ labels: { status: string }; value: number }> {
    return [...this.byStatus.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([status, value]) => ({ labels: { status }, value }));
  }

  /** A route whose responses are counted. */
  counted(handler: Handler): Handler {
    return async (req) => {
      let r: StandinResponse;
      try {
        r = await handler(req);
      } catch (e) {
        this.record(req.method, req.path, 500);
        throw e;
      }
      this.record(req.method, req.path, r.status ?? 200);
      return r;
    };
  }
}

/**
 * A share of requests that fail, spread evenly rather than at random: of any run of n consecutive
 * requests, ⌊n·share⌋ or ⌈n·share⌉ fail, so the ratio between two scrapes is the share's whatever
 * the traffic between them.
 */
export class FailingShare {
  private n = 0;

  constructor(private readonly share: number) {}

  /** Whether this request fails. */
  next(): boolean {
    // The first request fails: a fault shows in the first scrape after it goes in.
    const fail = Math.ceil((this.n + 1) * this.share - 1e-9) > Math.ceil(this.n * this.share - 1e-9);
    this.n++;
    return fail;
  }
}

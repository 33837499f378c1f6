/** One case of `npm run torture`: what it measured, and what went wrong. */
export interface CaseResult {
  /** Figures printed on the case's line (sent, delivered, lost, …). */
  figures: Record<string, number | string>;
  /** Every loss, stall or crash found; the run fails on any. */
  failures: string[];
  /** False when the case did not exercise what it is for (e.g. no kill landed during deliveries). */
  exercised: boolean;
}

export interface TortureContext {
  /** About a minute for the whole run (CI); the full run goes longer and harder. */
  quick: boolean;
}

export interface TortureCase {
  name: string;
  run(ctx: TortureContext): Promise<CaseResult>;
}

export const MB = 1024 * 1024;
export const rssMb = (): number => Math.round(process.memoryUsage().rss / MB);

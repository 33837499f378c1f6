import { performance } from 'node:perf_hooks';

/**
 * Real seconds a game day spends per named part (a world's cluster, a scenario's negative control,
 * the driver's waits on probes …), summed over every time the part ran: where the wall time goes.
 */
export class Laps {
  readonly seconds: Record<string, number> = {};

  add(name: string, since: number): void {
    this.seconds[name] = (this.seconds[name] ?? 0) + (performance.now() - since) / 1000;
  }

  addMs(name: string, ms: number): void {
    this.seconds[name] = (this.seconds[name] ?? 0) + ms / 1000;
  }

  async time<T>(name: string, f: () => Promise<T>): Promise<T> {
    const t = performance.now();
    try {
      return await f();
    } finally {
      this.add(name, t);
    }
  }

  /** Adds another's seconds to these, each name prefixed. */
  merge(other: Record<string, number>, prefix = ''): void {
    for (const [k, v] of Object.entries(other)) this.seconds[`${prefix}${k}`] = (this.seconds[`${prefix}${k}`] ?? 0) + v;
  }
}

/**
 * A fixed-rate HTTP load driver for loopback benchmarks. Latency is measured from each request's
 * planned send time, so a stalled server cannot hide queueing delay (no coordinated omission).
 */
import http from 'node:http';

export interface LoadResult {
  planned: number;
  completed: number;
  errors: number;
  seconds: number;
  achievedRate: number;
  /** Latency from the actual send: what the server and loopback cost. */
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Latency from the planned send time: includes any queueing the driver's timer adds. */
  plannedP99: number;
}

export async function fixedRate(options: {
  url: string;
  rate: number;
  seconds: number;
  connections?: number;
  method?: string;
  headers?: Record<string, string>;
  body?: () => string;
}): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections ?? 32 });
  const target = new URL(options.url);
  const latencies: number[] = [];
  const fromPlan: number[] = [];
  let errors = 0;
  let completed = 0;
  const total = Math.round(options.rate * options.seconds);
  const interval = 1000 / options.rate;
  const start = performance.now();
  const inflight: Promise<void>[] = [];

  const send = (planned: number): Promise<void> =>
    new Promise((resolve) => {
      const body = options.body?.();
      const sentAt = performance.now();
      const req = http.request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname + target.search,
          method: options.method ?? 'GET',
          headers: { ...(options.headers ?? {}), ...(body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}) },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            if ((res.statusCode ?? 500) >= 400) errors++;
            completed++;
            const end = performance.now();
            latencies.push(end - sentAt);
            fromPlan.push(end - planned);
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors++;
        resolve();
      });
      if (body) req.write(body);
      req.end();
    });

  let sent = 0;
  while (sent < total) {
    const now = performance.now();
    const due = Math.min(total, Math.floor((now - start) / interval) + 1);
    for (; sent < due; sent++) inflight.push(send(start + sent * interval));
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(inflight);
  const seconds = (performance.now() - start) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  fromPlan.sort((a, b) => a - b);
  const q = (p: number, xs = latencies): number => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? NaN;
  return {
    planned: total,
    completed,
    errors,
    seconds,
    achievedRate: completed / seconds,
    p50: q(0.5),
    p90: q(0.9),
    p99: q(0.99),
    max: latencies[latencies.length - 1] ?? NaN,
    plannedP99: q(0.99, fromPlan),
  };
}

export function formatLoad(name: string, r: LoadResult): string {
  const ms = (v: number): string => `${v.toFixed(3)} ms`;
  return `${name.padEnd(28)} rate ${r.achievedRate.toFixed(0).padStart(5)}/s  p50 ${ms(r.p50)}  p90 ${ms(r.p90)}  p99 ${ms(r.p99)}  max ${ms(r.max)}  (p99 from planned send ${ms(r.plannedP99)})  errors ${r.errors}`;
}

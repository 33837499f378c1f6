/**
 * bench:health's wrk driver: Debian's wrk, paced by the Lua schedule, keeps the rate it is given
 * and its report is read back into figures.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWrk, wrkAvailable, wrkFixedRate } from '../../bench/support/wrk.js';

const present = wrkAvailable();
if (!present && process.env.OPSBOOK_REQUIRE_SERVICES === '1') throw new Error('/usr/bin/wrk is missing and OPSBOOK_REQUIRE_SERVICES=1 (apt-get install -y wrk)');
if (!present) console.warn('skipping the wrk driver test: /usr/bin/wrk is not installed (apt-get install -y wrk)');

describe('parseWrk', () => {
  it('reads the latency distribution in any unit, the rate and the errors', () => {
    const report = [
      'Running 2s test @ http://127.0.0.1:1/',
      '  1 threads and 16 connections',
      '  Thread Stats   Avg      Stdev     Max   +/- Stdev',
      '    Latency   640.75us    2.22ms    1.04s    95.49%',
      '  Latency Distribution',
      '     50%  145.00us',
      '     75%  355.00us',
      '     90%    1.38ms',
      '     99%    6.90ms',
      '  401 requests in 2.01s, 90.00KB read',
      '  Socket errors: connect 1, read 2, write 0, timeout 3',
      '  Non-2xx or 3xx responses: 4',
      'Requests/sec:    199.50',
    ].join('\n');
    expect(parseWrk(report)).toEqual({ achievedRate: 199.5, requests: 401, errors: 10, p50: 0.145, p75: 0.355, p90: 1.38, p99: 6.9, max: 1040 });
  });

  it('says what is missing when the report has no distribution', () => {
    expect(() => parseWrk('Requests/sec: 10')).toThrow(/no 50% line/);
  });
});

describe.skipIf(!present)('wrkFixedRate against a loopback server', () => {
  let server: http.Server;
  let url = '';
  let served = 0;
  beforeAll(async () => {
    server = http.createServer((_req, res) => {
      served++;
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('sends at the fixed rate, not as fast as it can', async () => {
    const r = await wrkFixedRate({ url, rate: 200, seconds: 2 });
    // Unpaced, wrk sends thousands a second here; paced, about 200/s.
    expect(r.achievedRate).toBeGreaterThan(150);
    expect(r.achievedRate).toBeLessThan(250);
    // wrk counts what completed inside its window; a request still in flight at its end is served
    // but not counted (seen on a loaded machine: 431 served, 430 counted).
    expect(served).toBeGreaterThanOrEqual(r.requests);
    expect(served).toBeLessThanOrEqual(r.requests * 1.05 + 2);
    expect(r.errors).toBe(0);
    expect(r.p50).toBeLessThanOrEqual(r.p99);
  });
});

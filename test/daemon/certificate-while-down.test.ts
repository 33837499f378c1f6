/**
 * A certificate-expiry check (kind: tls) whose threshold is crossed while opsbook is down. The
 * certificate has 10 days left; the check fails under 7. opsbook on SQLite is killed (SIGKILL) with 8
 * days left and started again with 5: the check fails at its first runs and one incident opens; killed
 * and started again while it is open, it stays one incident. A real daemon in a child process
 * (test/torture/daemon-child.ts) on a simulated clock, a real TLS server on loopback.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { makeCertificate, type TestCertificate } from '../../src/checks/testing/index.js';
import { DaemonsOnOneStore, type KillableDaemon } from '../support/killable-daemon.js';
import { minuteNow } from '../support/simulated-daemon.js';
import { scaled } from '../support/timing.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('a certificate that crosses its expiry threshold while opsbook is down', () => {
  let dir = '';
  let cert: TestCertificate | undefined;
  let server: tls.Server | undefined;

  afterAll(async () => {
    await daemons.close();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    cert?.cleanup();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }, scaled(60_000));

  const daemons = new DaemonsOnOneStore(() => dir);
  const start = (at: number) => daemons.start(at);
  const kill = (d: KillableDaemon) => daemons.kill(d);
  const incidents = () => daemons.incidents();
  /** Advances `d` an hour at a time from `from` to `to` (each run settled). */
  const hours = async (d: KillableDaemon, from: number, to: number) => {
    for (let t = from + HOUR; t <= to; t += HOUR) await d.advanceTo(t);
  };

  it('opens one incident after the restart, and keeps it one across another kill', async () => {
    cert = makeCertificate(10);
    server = tls.createServer({ key: fs.readFileSync(cert.key), cert: fs.readFileSync(cert.cert) }, (s) => s.end());
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-cert-down-'));
    fs.writeFileSync(
      path.join(dir, 'ops.yaml'),
      `storage:\n  url: "${path.join(dir, 'opsbook.db')}"\nchecks:\n  - { id: api-cert, kind: tls, host: 127.0.0.1, port: ${port}, servername: localhost, interval: 1h, timeout: 5s, failure_threshold: 2, success_threshold: 1, conditions: ["[CONNECTED] == true", "[DAYS_TO_EXPIRY] >= 7"] }\n`,
    );
    const t0 = minuteNow();
    const first = await start(t0);
    await hours(first, t0, t0 + 2 * DAY);
    expect(await incidents()).toEqual([]);
    await kill(first);

    // Down for three days: 5 days left at the restart.
    const second = await start(t0 + 5 * DAY);
    await hours(second, t0 + 5 * DAY, t0 + 5 * DAY + 3 * HOUR);
    await expect.poll(async () => (await incidents()).map((i) => i.state), { timeout: scaled(30_000), interval: 100 }).toEqual(['triggered']);
    const opened = await incidents();
    await kill(second);

    const third = await start(t0 + 5 * DAY + 6 * HOUR);
    await hours(third, t0 + 5 * DAY + 6 * HOUR, t0 + 5 * DAY + 10 * HOUR);
    expect(await incidents()).toEqual(opened);
  }, scaled(240_000));
});

/**
 * A request that fails inside opsbook answers 500 with a request id, and the daemon's log holds the
 * error's stack under that same request id; ordinary requests write no per-request lines.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it, onTestFinished } from 'vitest';
import { Daemon, createLogger } from '../../src/daemon/index.js';
import { buildServer } from '../../src/http/index.js';

describe('an internal error', () => {
  it('is logged with its stack and the request id the answer names', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-error-log-'));
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    fs.writeFileSync(path.join(dir, 'ops.yaml'), '{}\n');
    const daemon = await Daemon.start({ configPath: path.join(dir, 'ops.yaml'), operations: false, logger: createLogger({ level: 'info', destination }) });
    const app = buildServer(daemon);
    onTestFinished(async () => {
      await app.close();
      await daemon.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });
    // A route that fails the way a bug would: a plain Error thrown from the handler.
    app.get('/_test/boom', { config: { access: 'public' } }, () => {
      throw new Error('the disk ate it');
    });
    await app.ready();
    const before = lines.length;
    expect((await app.inject({ url: '/_health/live' })).statusCode).toBe(200);
    expect(lines.length).toBe(before); // no per-request lines
    const res = await app.inject({ url: '/_test/boom' });
    expect(res.statusCode).toBe(500);
    const body = res.json() as { error: { code: string; message: string; request_id: string } };
    expect(body.error.code).toBe('OPSBOOK_E_INTERNAL');
    expect(body.error.request_id).toMatch(/\S/);
    expect(body.error.message).toContain(body.error.request_id);
    const logged = lines.map((l) => JSON.parse(l) as { level: number; reqId?: string; err?: { stack?: string } }).find((l) => l.level >= 50 && l.reqId === body.error.request_id);
    expect(logged, lines.join('\n')).toBeDefined();
    expect(logged!.err?.stack).toContain('the disk ate it');
    expect(logged!.err?.stack).toContain('internal-error-log.test.ts');
  });
});

/**
 * `opsbook serve` binds its port before the operations pipeline starts (so a taken port stops the
 * start with nothing probed or sent). In between, /_health/ready must not say ready: a load
 * balancer or Kubernetes would send alerts to a process that answers them 503 (no pipeline yet) —
 * seen on PostgreSQL under load, where the start waits for the cluster's leases. Ready once the
 * pipeline runs; a process started without one on purpose does not wait for it.
 */
import { describe, expect, it } from 'vitest';
import { startDaemonApp } from '../support/daemon-app.js';

describe('readiness while the operations pipeline starts', () => {
  it('is 503 naming the pipeline until it runs, then 200', async () => {
    const { app, daemon, close } = await startDaemonApp('ready-start', { 'ops.yaml': 'checks: []\n' }, { operations: 'deferred' });
    try {
      const starting = await app.inject({ url: '/_health/ready' });
      expect(starting.statusCode).toBe(503);
      expect(starting.json()).toMatchObject({ status: 'not_ready', checks: { store: { status: 'ok' }, pipeline: { status: 'failing', detail: expect.stringMatching(/^starting/) } } });
      // What a load balancer sending alerts now would meet.
      expect((await app.inject({ method: 'POST', url: '/api/events', payload: {} })).statusCode).toBeGreaterThanOrEqual(400);
      await daemon.startOperations();
      const ready = await app.inject({ url: '/_health/ready' });
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toMatchObject({ status: 'ready', checks: { pipeline: { status: 'ok' } } });
    } finally {
      await close();
    }
  });

  it('does not wait for a pipeline a process runs without', async () => {
    const { app, close } = await startDaemonApp('ready-none', { 'ops.yaml': 'checks: []\n' }, { operations: false });
    try {
      const ready = await app.inject({ url: '/_health/ready' });
      expect(ready.statusCode).toBe(200);
      expect(ready.json().checks.pipeline).toBeUndefined();
    } finally {
      await close();
    }
  });
});

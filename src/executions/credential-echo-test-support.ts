/**
 * For tests of what a runbook step does with credentials: a loopback server that echoes the
 * Authorization header it received (in a header and in its JSON body) and remembers each, and
 * everything opsbook keeps of a step run (plan, entries, execution, transcript, audit, logs) as
 * one text to search for a secret.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { findExecution, listAudit, listExecutionEntries } from '../store/index.js';
import type { Harness } from './test-support.js';
import type { TranscriptEntry } from './types.js';
import { responder } from './test-support.js';

export interface AuthEcho {
  /** `http://127.0.0.1:PORT/` */
  url: string;
  /** The Authorization header of each request, in order (undefined when none came). */
  seen: (string | undefined)[];
  /** The path and query of each request, in order. */
  urls: string[];
  close(): Promise<void>;
}

export async function startAuthEcho(): Promise<AuthEcho> {
  const seen: (string | undefined)[] = [];
  const urls: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.headers.authorization);
    urls.push(req.url ?? '');
    res.setHeader('content-type', 'application/json');
    res.setHeader('x-echo-authorization', req.headers.authorization ?? '');
    res.end(JSON.stringify({ authorization: req.headers.authorization ?? null }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    seen,
    urls,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** Starts `procedure`, runs its step 1 as the responder, finishes it; returns the entry, the plan and all that was kept of it. */
export async function runAndCollect(h: Harness, procedure: string): Promise<{ entry: TranscriptEntry; plan: Awaited<ReturnType<Harness['service']['start']>>['plan']; stored: string }> {
  const { id, plan } = await h.service.start(procedure, responder);
  const result = await h.service.runStep(id, 1, responder);
  await h.service.finish(id, responder);
  const stored = [
    JSON.stringify(plan),
    JSON.stringify(await listExecutionEntries(h.store.db, id)),
    JSON.stringify(await findExecution(h.store.db, id)),
    JSON.stringify(await h.service.get(id)),
    JSON.stringify(await h.service.transcript(id)),
    JSON.stringify(await listAudit(h.store.db, { subject: `execution:${id}` })),
    JSON.stringify(h.logs),
  ].join('\n');
  return { entry: result.entries[0]!, plan, stored };
}

import type { CliIO } from '../context.js';
import { cliActor, openLocal, type LocalContext } from '../local.js';
import { callApi, type Remote } from '../remote.js';
import type { ExecutionOutcome, ExecutionService, ExecutionSummary, Plan, PlanOptions, StepRunResult, TranscriptEntry } from '../../executions/index.js';
import type { Actor } from '../../identity/index.js';
import type { Runbook } from '../../runbooks/index.js';

export interface ExecutionsContext {
  local: LocalContext & { runbooks: Runbook[] };
  service: ExecutionService;
  /** The latest audit head this command appended, for the closing log line. */
  lastHead: () => { seq: number; hash: string } | undefined;
  close: () => Promise<void>;
}

/** Opens the config, its store and runbooks, and an execution service over them. */
export async function openExecutions(configFlag: string | undefined, io: CliIO): Promise<ExecutionsContext> {
  const local = await openLocal(configFlag, io.env, { runbooks: true });
  try {
    const { ExecutionService, storeIncidentLink } = await import('../../executions/index.js');
    // The runbooks the config load read and validated: not read again.
    const { baseDir, runbooks } = local;
    let head: { seq: number; hash: string } | undefined;
    const service = new ExecutionService({
      store: local.store,
      clock: local.clock,
      config: local.config,
      baseDir,
      runbooks,
      incidents: storeIncidentLink(local.store),
      env: io.env,
      logger: { info: (obj) => (head = typeof obj.audit_head === 'string' ? { seq: Number(obj.audit_seq), hash: obj.audit_head } : head) },
    });
    return {
      local,
      service,
      lastHead: () => head,
      close: async () => {
        // Publish the head where the person (and any log collector) sees it.
        if (head) io.err(`audit head ${head.seq} ${head.hash}`);
        await local.close();
      },
    };
  } catch (e) {
    await local.close();
    throw e;
  }
}


/** What `opsbook run` does to an execution: on the local store, or through a running daemon. */
export interface RunClient {
  plan(reference: string, options: PlanOptions): Promise<Plan>;
  start(reference: string, options: PlanOptions): Promise<{ id: string; plan: Plan }>;
  get(id: string): Promise<{ plan: Plan; transcript: TranscriptEntry[] }>;
  runStep(id: string, step: number, options: StepOptions): Promise<StepRunResult>;
  tick(id: string, step: number): Promise<TranscriptEntry>;
  cancel(id: string): Promise<void>;
  finish(id: string): Promise<ExecutionSummary & { outcome: ExecutionOutcome }>;
  close(): Promise<void>;
}

export interface StepOptions {
  command?: number;
  confirm?: string;
  yes: boolean;
  params: Record<string, string>;
  secretNames: string[];
  signal: AbortSignal;
}

/** The local store and runbooks, acting as `--as` / OPSBOOK_USER (asked for only when something is done). */
export async function localRunClient(configFlag: string | undefined, as: string | undefined, io: CliIO): Promise<RunClient> {
  const ctx = await openExecutions(configFlag, io);
  let actor: Actor | undefined;
  const who = async (): Promise<Actor> => (actor ??= await cliActor(ctx.local.config, as, io.env));
  return {
    plan: (reference, options) => ctx.service.plan(reference, options),
    start: async (reference, options) => ctx.service.start(reference, await who(), options),
    get: async (id) => ({ plan: (await ctx.service.get(id)).plan, transcript: await ctx.service.transcript(id) }),
    runStep: async (id, step, options) => ctx.service.runStep(id, step, await who(), options),
    tick: async (id, step) => ctx.service.tick(id, step, await who()),
    cancel: async (id) => void (await ctx.service.cancel(id, await who())),
    finish: async (id) => ctx.service.finish(id, await who()),
    close: () => ctx.close(),
  };
}

function planBody(options: PlanOptions): Record<string, unknown> {
  return {
    ...(options.incidentId ? { incident: options.incidentId } : {}),
    ...(options.service ? { service: options.service } : {}),
    ...(options.params && Object.keys(options.params).length > 0 ? { params: options.params } : {}),
    ...(options.secretNames && options.secretNames.length > 0 ? { secrets: options.secretNames } : {}),
  };
}

/** A running daemon's API, acting as the token's user; commands run where the daemon runs. */
export function remoteRunClient(remote: Remote): RunClient {
  const exe = (id: string) => `/api/executions/${encodeURIComponent(id)}`;
  return {
    plan: (reference, options) => callApi(remote, 'POST', `/api/runbooks/procedures/${encodeURIComponent(reference)}/plan`, planBody(options)),
    start: (reference, options) => callApi(remote, 'POST', '/api/executions', { procedure: reference, ...planBody(options) }),
    get: (id) => callApi(remote, 'GET', exe(id)),
    runStep: async (id, step, options) => {
      const body = {
        ...(options.command !== undefined ? { command: options.command } : {}),
        ...(options.confirm !== undefined ? { confirm: options.confirm } : {}),
        yes: options.yes,
        ...planBody({ params: options.params, secretNames: options.secretNames }),
      };
      try {
        return await callApi<StepRunResult>(remote, 'POST', `${exe(id)}/steps/${step}/run`, body, { signal: options.signal });
      } catch (e) {
        // Interrupted here: the caller cancels the execution, which stops the command on the daemon.
        if (options.signal.aborted) return { executionId: id, step, status: 'cancelled', reason: 'interrupted', entries: [] };
        throw e;
      }
    },
    tick: (id, step) => callApi(remote, 'POST', `${exe(id)}/steps/${step}/tick`, {}),
    cancel: async (id) => void (await callApi(remote, 'POST', `${exe(id)}/cancel`)),
    finish: (id) => callApi(remote, 'POST', `${exe(id)}/finish`),
    close: () => Promise.resolve(),
  };
}

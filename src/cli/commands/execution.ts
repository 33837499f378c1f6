import { writeFile } from 'node:fs/promises';
import type { RegisterCommands } from '../context.js';
import { cliActor } from '../local.js';
import { callApi, remoteFrom, type Remote } from '../remote.js';
import { nextOf, readPages } from '../paging.js';
import type { ExecutionOutcome, ExecutionSummary, Plan, TranscriptEntry } from '../../executions/index.js';
import { formatEntry, formatPlan, openExecutions } from './run.js';

function iso(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString();
}

/** Every execution a daemon lists, page by page (a page holds at most 500). */
function allExecutions(remote: Remote, opts: { incident?: string; procedure?: string }): Promise<ExecutionSummary[]> {
  return readPages(Infinity, 500, async (size, before) => {
    const q = new URLSearchParams({ limit: String(size), ...(opts.incident ? { incident: opts.incident } : {}), ...(opts.procedure ? { procedure: opts.procedure } : {}), ...(before ? { before } : {}) });
    const page = await callApi<{ executions: ExecutionSummary[]; next?: string }>(remote, 'GET', `/api/executions?${q}`);
    return { items: page.executions, next: page.next };
  });
}

export const registerExecution: RegisterCommands = (program, io) => {
  const execution = program.command('execution').description('Runbook executions: list, show, export, tick, finish, cancel.');
  const configOption = ['-c, --config <path>', 'ops.yaml or a directory of YAML files'] as const;

  execution
    .command('list')
    .description('Executions, newest first.')
    .option('--incident <id>', 'only those run inside this incident')
    .option('--procedure <ref>', 'only runs of this FILE#ID')
    .option('--json', 'print JSON')
    .option(...configOption)
    .option('--server <url>', 'a running opsbook to ask (default OPSBOOK_SERVER)')
    .option('--token <token>', 'API token for --server (default OPSBOOK_TOKEN)')
    .action(async (opts: { incident?: string; procedure?: string; json?: boolean; config?: string; server?: string; token?: string }) => {
      const remote = remoteFrom(opts, io.env);
      const ctx = remote ? undefined : await openExecutions(opts.config, io);
      try {
        const rows = remote
          ? await allExecutions(remote, opts)
          : await readPages(Infinity, 500, async (size, before) => {
              const items = await ctx!.service.listExecutions({ ...(opts.incident ? { incidentId: opts.incident } : {}), ...(opts.procedure ? { procedure: opts.procedure } : {}), limit: size, ...(before ? { before } : {}) });
              return { items, next: nextOf(items, size) };
            });
        // Through a daemon its API says so; here the runbooks and the store do.
        if (rows.length === 0 && ctx) await ctx.service.refuseEmptyFilter({ ...(opts.incident ? { incidentId: opts.incident } : {}), ...(opts.procedure ? { procedure: opts.procedure } : {}) }, { procedure: '--procedure', incident: '--incident' });
        if (opts.json) return io.out(JSON.stringify(rows, null, 2));
        io.out(['ID', 'STATE', 'PROCEDURE', 'BY', 'STARTED', 'INCIDENT'].join('\t'));
        for (const r of rows) io.out([r.id, r.state, r.procedure, r.startedBy, iso(r.startedAt), r.incidentId ?? '-'].join('\t'));
      } finally {
        await ctx?.close();
      }
    });

  execution
    .command('show <id>')
    .description('An execution’s plan and transcript.')
    .option('--json', 'print JSON')
    .option(...configOption)
    .option('--server <url>', 'a running opsbook to ask (default OPSBOOK_SERVER)')
    .option('--token <token>', 'API token for --server (default OPSBOOK_TOKEN)')
    .action(async (id: string, opts: { json?: boolean; config?: string; server?: string; token?: string }) => {
      const remote = remoteFrom(opts, io.env);
      const ctx = remote ? undefined : await openExecutions(opts.config, io);
      try {
        const { transcript: entries, ...exe } = remote
          ? await callApi<ExecutionSummary & { plan: Plan; transcript: TranscriptEntry[] }>(remote, 'GET', `/api/executions/${encodeURIComponent(id)}`)
          : { ...(await ctx!.service.get(id)), transcript: await ctx!.service.transcript(id) };
        if (opts.json) return io.out(JSON.stringify({ ...exe, transcript: entries }, null, 2));
        io.out(`${exe.id} ${exe.state} — started ${iso(exe.startedAt)} by ${exe.startedBy}, finished ${iso(exe.finishedAt)}`);
        for (const line of formatPlan(exe.plan)) io.out(line);
        io.out('');
        io.out('transcript:');
        for (const e of entries) {
          io.out(`${iso(e.at)} ${e.actor} ${e.kind} ${e.step}.${e.command}: ${e.text}`);
          for (const line of formatEntry(e)) io.out(line);
        }
      } finally {
        await ctx?.close();
      }
    });

  execution
    .command('export <id>')
    .description('The runbook as markdown with each step’s output inline (whole outputs, not the 64 KiB cut).')
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .option(...configOption)
    .option('--server <url>', 'a running opsbook to ask (default OPSBOOK_SERVER)')
    .option('--token <token>', 'API token for --server (default OPSBOOK_TOKEN)')
    .action(async (id: string, opts: { output?: string; config?: string; server?: string; token?: string }) => {
      const remote = remoteFrom(opts, io.env);
      const ctx = remote ? undefined : await openExecutions(opts.config, io);
      try {
        const { exportMarkdown } = await import('../../executions/index.js');
        let md: string;
        if (remote) {
          // Through the API the transcript carries outputs as stored (cut at 64 KiB).
          const { transcript, ...exe } = await callApi<ExecutionSummary & { plan: Plan; transcript: TranscriptEntry[] }>(remote, 'GET', `/api/executions/${encodeURIComponent(id)}`);
          md = await exportMarkdown(exe, transcript, (e, stream) => Promise.resolve(e[stream]));
        } else md = await exportMarkdown(await ctx!.service.get(id), await ctx!.service.transcript(id), (e, s) => ctx!.service.fullOutput(e, s));
        if (opts.output) {
          await writeFile(opts.output, md);
          io.err(`wrote ${opts.output}`);
        } else io.out(md.trimEnd());
      } finally {
        await ctx?.close();
      }
    });

  execution
    .command('tick <id> <step>')
    .description('Tick a manual step or checklist item as done (who and when are recorded).')
    .option('--note <text>', 'what was done')
    .option('--as <name>', 'who ticks it (default: OPSBOOK_USER)')
    .option(...configOption)
    .option('--server <url>', 'a running opsbook to act through (default OPSBOOK_SERVER)')
    .option('--token <token>', 'API token for --server (default OPSBOOK_TOKEN)')
    .action(async (id: string, step: string, opts: { note?: string; as?: string; config?: string; server?: string; token?: string }) => {
      const remote = remoteFrom(opts, io.env);
      if (remote) {
        const entry = await callApi<TranscriptEntry>(remote, 'POST', `/api/executions/${encodeURIComponent(id)}/steps/${encodeURIComponent(step)}/tick`, opts.note ? { note: opts.note } : {});
        io.out(`ticked step ${entry.step} by ${entry.actor} at ${iso(entry.at)}`);
        return;
      }
      const ctx = await openExecutions(opts.config, io);
      try {
        const actor = await cliActor(ctx.local.config, opts.as, io.env);
        const entry = await ctx.service.tick(id, Number(step), actor, opts.note ?? '');
        io.out(`ticked step ${entry.step} by ${entry.actor} at ${iso(entry.at)}`);
      } finally {
        await ctx.close();
      }
    });

  for (const [name, what] of [['finish', 'Finish an execution: passed, failed or incomplete (with reasons).'], ['cancel', 'Cancel an execution.']] as const) {
    execution
      .command(`${name} <id>`)
      .description(what)
      .option('--as <name>', 'who does it (default: OPSBOOK_USER)')
      .option(...configOption)
      .option('--server <url>', 'a running opsbook to act through (default OPSBOOK_SERVER)')
      .option('--token <token>', 'API token for --server (default OPSBOOK_TOKEN)')
      .action(async (id: string, opts: { as?: string; config?: string; server?: string; token?: string }) => {
        const remote = remoteFrom(opts, io.env);
        const ctx = remote ? undefined : await openExecutions(opts.config, io);
        try {
          const actor = ctx ? await cliActor(ctx.local.config, opts.as, io.env) : undefined;
          const path = `/api/executions/${encodeURIComponent(id)}/${name}`;
          if (name === 'cancel') {
            if (remote) await callApi(remote, 'POST', path);
            else await ctx!.service.cancel(id, actor!);
            io.out(`execution ${id} cancelled`);
            return;
          }
          const done = remote ? await callApi<{ outcome: ExecutionOutcome }>(remote, 'POST', path) : await ctx!.service.finish(id, actor!);
          io.out(`execution ${id} ${done.outcome.state}${done.outcome.reasons.length ? `:\n  ${done.outcome.reasons.join('\n  ')}` : ''}`);
          process.exitCode = done.outcome.state === 'passed' ? 0 : 1;
        } finally {
          await ctx?.close();
        }
      });
  }
};

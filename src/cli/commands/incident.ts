import type { Incident, Suppression, TimelineEntry } from '../../incidents/index.js';
import { OpsbookError } from '../../lib/errors/index.js';
import type { UpcomingPage } from '../../oncall/index.js';
import type { Actor } from '../../identity/index.js';
import { withActingOptions, type RegisterCommands, type CliIO } from '../context.js';
import { cliActor, openLocal } from '../local.js';
import { callApi, remoteFrom, type Remote } from '../remote.js';
import { nextOf, readPages } from '../paging.js';
import { utcSecond } from '../../lib/instants.js';
import { wholeNumber } from '../flags.js';

interface Common {
  config?: string;
  as?: string;
  server?: string;
  token?: string;
  json?: boolean;
}

const MOVES = ['ack', 'investigate', 'mitigate', 'resolve'] as const;
const ACTION_OF = { ack: 'acknowledge', investigate: 'investigate', mitigate: 'mitigate', resolve: 'resolve' } as const;



interface LocalIncidents {
  store: import('../../store/index.js').Store;
  config: import('../../config/index.js').OpsConfig;
  actor: () => Promise<Actor>;
}

/**
 * Runs `work` against a running daemon's API when --server is given, else against the local store
 * with the same domain code the daemon runs (an acknowledgement also stops the escalation, and the
 * daemon's outbox delivers what it enqueues).
 */
async function withIncidents<T>(
  opts: Common,
  io: CliIO,
  remote: (r: Remote) => Promise<T>,
  local: (ctx: LocalIncidents & { ops: import('../../daemon/operations/index.js').Operations; runbooks: import('../../runbooks/index.js').Runbook[] }) => Promise<T>,
  { runbooks = false }: { runbooks?: boolean } = {},
): Promise<T> {
  const r = remoteFrom(opts, io.env);
  if (r) return remote(r);
  // The runbooks only for the command that shows them (review); the others neither read nor wait for them.
  const ctx = runbooks ? await openLocal(opts.config, io.env, { runbooks: true }) : { ...(await openLocal(opts.config, io.env)), runbooks: [] };
  try {
    const { Operations } = await import('../../daemon/operations/index.js');
    const { Registry } = await import('prom-client');
    const { createLogger } = await import('../../daemon/logger.js');
    const ops = await Operations.create({ store: ctx.store, clock: ctx.clock, config: ctx.config, logger: createLogger({ level: 'warn', pretty: false, destination: process.stderr }), metrics: { registry: new Registry() } });
    return await local({ ops, actor: () => cliActor(ctx.config, opts.as, io.env), store: ctx.store, config: ctx.config, runbooks: ctx.runbooks });
  } finally {
    await ctx.close();
  }
}

/**
 * As withIncidents, for a command that only reads incidents (`list`, `show`): the incident service
 * alone on the local store. The pipeline Operations wires (alert rules, escalation driver, outbox
 * and its channels, the check kinds' probes, metrics, logger) is neither needed nor loaded.
 */
async function readIncidents<T>(
  opts: Common,
  io: CliIO,
  remote: (r: Remote) => Promise<T>,
  local: (ctx: LocalIncidents & { incidents: import('../../incidents/index.js').IncidentService }) => Promise<T>,
): Promise<T> {
  const r = remoteFrom(opts, io.env);
  if (r) return remote(r);
  const ctx = await openLocal(opts.config, io.env);
  try {
    const [{ IncidentService }, { incidentConfig }] = await Promise.all([import('../../incidents/service.js'), import('../../daemon/operations/incident-config.js')]);
    const incidents = new IncidentService(ctx.store, ctx.clock, incidentConfig(ctx.config));
    return await local({ incidents, actor: () => cliActor(ctx.config, opts.as, io.env), store: ctx.store, config: ctx.config });
  } finally {
    await ctx.close();
  }
}

const instant = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

function line(i: Incident): string {
  const when = instant(i.openedAt);
  // Whoever scans the list sees why nobody was paged for a held incident (`show` says more).
  const held = i.heldBy ? `(pages held by ${i.heldBy.kind === 'maintenance' ? 'maintenance window' : 'silence'} ${i.heldBy.id} until ${instant(i.heldBy.until)})` : undefined;
  return [i.id, i.severity, i.state.padEnd(13), when, i.service ?? '-', i.title, ...(held ? [held] : [])].join('  ');
}

/**
 * What holds the incident's pages back, as `show` prints it: the window or silence, until when and
 * what happens at its end, why (its comment), and the warning of a silence that takes in too much.
 */
function heldLines(held: Suppression): string[] {
  const what = held.kind === 'maintenance' ? 'maintenance window' : 'silence';
  const until = instant(held.until);
  return [
    `held by: ${what} ${held.id} until ${until} (at its end: ${held.onEnd})${held.comment ? ` — ${held.comment}` : ''}`,
    ...(held.warning ? [`  warning: that silence ${held.warning}`] : []),
  ];
}

/** The most incidents `GET /api/incidents` (and the store) answer in one page. */
const PAGE = 500;

export const registerIncident: RegisterCommands = (program, io) => {
  const incident = program.command('incident').description('List, show, acknowledge, resolve and annotate incidents; write the review.');

  withActingOptions(incident.command('list'))
    .description('Incidents, newest first.')
    .option('--state <state>', 'triggered, acknowledged, investigating, mitigated, resolved, reviewed, or open')
    .option('--severity <id>', 'only this severity')
    .option('--limit <n>', 'how many', wholeNumber(1, 10_000), 50)
    .action(async (opts: Common & { state?: string; severity?: string; limit: number }) => {
      const limit = opts.limit;
      // A state no incident can be in would list none, silently: refused here, before any read.
      // (The incidents domain loads when a command runs, not for --help.)
      const { INCIDENT_STATES } = await import('../../incidents/types.js');
      const states: string[] = [...INCIDENT_STATES, 'open'];
      if (opts.state !== undefined && !states.includes(opts.state)) throw new OpsbookError('OPSBOOK_E_USAGE', `--state must be one of ${states.join(', ')} (got "${opts.state}")`, { location: { path: '--state' } });
      const list = await readIncidents(
        opts,
        io,
        // The API and the store page at most PAGE incidents; --limit may ask for more.
        (r) =>
          readPages(limit, PAGE, async (size, before) => {
            const q = new URLSearchParams({ limit: String(size), ...(opts.state ? { state: opts.state } : {}), ...(opts.severity ? { severity: opts.severity } : {}), ...(before ? { before } : {}) });
            const page = await callApi<{ incidents: Incident[]; next?: string }>(r, 'GET', `/api/incidents?${q}`);
            return { items: page.incidents, next: page.next };
          }),
        async ({ incidents, config }) => {
          // Through a daemon its API refuses a severity off the ladder; here the config's ladder does.
          const { configuredLadder, severityFilterProblem } = await import('../../incidents/severity.js');
          const unknown = opts.severity !== undefined ? severityFilterProblem(configuredLadder(config.severities).ids, opts.severity) : undefined;
          if (unknown) throw new OpsbookError('OPSBOOK_E_USAGE', unknown, { location: { path: '--severity' } });
          const state = opts.state === 'open' ? ['triggered', 'acknowledged', 'investigating', 'mitigated'] : opts.state;
          return readPages(limit, PAGE, async (size, before) => {
            const items = await incidents.list({ ...(state ? { state } : {}), ...(opts.severity ? { severity: opts.severity } : {}), limit: size, ...(before ? { before } : {}) });
            return { items, next: nextOf(items, size) };
          });
        },
      );
      if (opts.json) return io.out(JSON.stringify(list, null, 2));
      if (list.length === 0) return io.out('no incidents');
      for (const i of list) io.out(line(i));
    });

  withActingOptions(incident.command('show <id>'))
    .description('One incident with its timeline.')
    .action(async (id: string, opts: Common) => {
      const { incident: i, timeline, next } = await readIncidents<{ incident: Incident; timeline: TimelineEntry[]; next?: UpcomingPage | undefined }>(
        opts,
        io,
        async (r) => ({
          incident: await callApi<Incident>(r, 'GET', `/api/incidents/${encodeURIComponent(id)}`),
          timeline: (await callApi<{ timeline: TimelineEntry[] }>(r, 'GET', `/api/incidents/${encodeURIComponent(id)}/timeline`)).timeline,
        }),
        async ({ incidents, store, config }) => {
          // Imported here: the on-call domain (time zones, calendars) is not loaded for every command.
          const { upcomingPage } = await import('../../oncall/upcoming.js');
          return { incident: await incidents.get(id), timeline: await incidents.timeline(id), next: await upcomingPage(store.db, config.escalation_policies, config.schedules, id) };
        },
      );
      if (opts.json) return io.out(JSON.stringify({ incident: i, timeline, ...(next ? { next_page: next } : {}) }, null, 2));
      io.out(line(i));
      if (i.runbook) io.out(`runbook: ${i.runbook}`);
      if (i.heldBy) for (const l of heldLines(i.heldBy)) io.out(l);
      if (next) io.out(`next page: ${(await import('../../oncall/upcoming.js')).describeRecipients(next.recipients)} (step ${next.step}${next.round > 1 ? `, round ${next.round}` : ''}) at ${new Date(next.at).toISOString()} unless acknowledged`);
      for (const t of timeline) io.out(`  ${new Date(t.at).toISOString()}  ${t.kind.padEnd(12)} ${t.actor}: ${t.text}`);
    });

  for (const move of MOVES) {
    withActingOptions(incident.command(`${move} <id>`))
      .description(`${ACTION_OF[move][0]!.toUpperCase()}${ACTION_OF[move].slice(1)} an incident.`)
      .option('-m, --note <text>', 'a note for the timeline')
      .action(async (id: string, opts: Common & { note?: string }) => {
        // The state before, to tell a move from one that found the incident there already (the alerts
        // resolved it, a colleague acknowledged): the action answers with the incident as it is.
        const [before, i] = await withIncidents(
          opts,
          io,
          async (r) => {
            const path = `/api/incidents/${encodeURIComponent(id)}`;
            const was = await callApi<Incident>(r, 'GET', path);
            return [was, await callApi<Incident>(r, 'POST', `${path}/${ACTION_OF[move]}`, opts.note ? { note: opts.note } : {})] as const;
          },
          async ({ ops, actor }) => {
            const was = await ops.incidents.get(id);
            return [was, await ops.act(id, ACTION_OF[move], await actor(), opts.note)] as const;
          },
        );
        if (opts.json) return io.out(JSON.stringify(i, null, 2));
        if (i.state !== before.state) return io.out(`${i.id} is now ${i.state}`);
        const since = i.state === 'resolved' ? i.resolvedAt : i.state === 'acknowledged' ? i.acknowledgedAt : undefined;
        io.out(`${i.id} was already ${i.state}${since !== undefined ? ` (since ${new Date(since).toISOString().slice(0, 19)}Z)` : ''}; ${opts.note ? 'the note is on its timeline' : 'nothing changed'}`);
      });
  }

  withActingOptions(incident.command('escalate <id>'))
    .description('Escalate now: page the next step of the incident’s escalation policy at once (an answered incident is triggered again).')
    .option('-m, --note <text>', 'why, for the timeline')
    .action(async (id: string, opts: Common & { note?: string }) => {
      const i = await withIncidents(
        opts,
        io,
        (r) => callApi<Incident>(r, 'POST', `/api/incidents/${encodeURIComponent(id)}/escalate`, opts.note ? { note: opts.note } : {}),
        async ({ ops, actor }) => ops.escalate(id, await actor(), opts.note),
      );
      if (opts.json) return io.out(JSON.stringify(i, null, 2));
      io.out(`${i.id} escalated`);
    });

  withActingOptions(incident.command('add-responder <id> <user>'))
    .description('Add a person as a responder and page them (while the incident is open).')
    .action(async (id: string, user: string, opts: Common) => {
      const i = await withIncidents(
        opts,
        io,
        (r) => callApi<Incident>(r, 'POST', `/api/incidents/${encodeURIComponent(id)}/responders`, { person: user }),
        async ({ ops, actor }) => ops.addResponder(id, user, await actor()),
      );
      if (opts.json) return io.out(JSON.stringify(i, null, 2));
      io.out(`${user} added to ${i.id} as a responder`);
    });

  withActingOptions(incident.command('severity <id> <severity>'))
    .description('Change an incident’s severity; its response target and escalation follow the new one.')
    .option('-m, --note <text>', 'why, for the timeline')
    .action(async (id: string, severity: string, opts: Common & { note?: string }) => {
      const i = await withIncidents(
        opts,
        io,
        (r) => callApi<Incident>(r, 'POST', `/api/incidents/${encodeURIComponent(id)}/severity`, { severity, ...(opts.note ? { note: opts.note } : {}) }),
        async ({ ops, actor }) => ops.changeSeverity(id, severity, await actor(), opts.note),
      );
      if (opts.json) return io.out(JSON.stringify(i, null, 2));
      io.out(`${i.id} is now ${i.severity}${i.responseDueAt !== undefined ? `, response due ${utcSecond(i.responseDueAt)}` : ''}`);
    });

  withActingOptions(incident.command('title <id> <title>'))
    .description('Give an incident a title of its own; a worse alert joining never replaces it.')
    .action(async (id: string, title: string, opts: Common) => {
      const i = await withIncidents(
        opts,
        io,
        (r) => callApi<Incident>(r, 'POST', `/api/incidents/${encodeURIComponent(id)}/title`, { title }),
        async ({ ops, actor }) => ops.incidents.retitle(id, title, await actor()),
      );
      if (opts.json) return io.out(JSON.stringify(i, null, 2));
      io.out(`${i.id} is now titled "${i.title}"`);
    });

  withActingOptions(incident.command('declare <title>'))
    .description('Declare an incident by hand: its severity, service and response roles.')
    .requiredOption('--severity <id>', 'a severity of the ladder (e.g. P2)')
    .option('--service <id>', 'the service affected')
    .option('--commander <user>', 'incident commander')
    .option('--comms <user>', 'communications lead')
    .option('--responder <user...>', 'more responders')
    .option('-m, --note <text>', 'what is happening (first note on the timeline)')
    .action(async (title: string, opts: Common & { severity: string; service?: string; commander?: string; comms?: string; responder?: string[]; note?: string }) => {
      const body = {
        title,
        severity: opts.severity,
        ...(opts.service ? { service: opts.service } : {}),
        ...(opts.note ? { note: opts.note } : {}),
        ...(opts.commander ? { commander: opts.commander } : {}),
        ...(opts.comms ? { communications: opts.comms } : {}),
        ...(opts.responder?.length ? { responders: opts.responder } : {}),
      };
      const i = await withIncidents(
        opts,
        io,
        (r) => callApi<Incident>(r, 'POST', '/api/incidents', body),
        async ({ ops, actor, config }) => {
          const roles = [
            ...(opts.commander ? [{ role: 'commander' as const, person: opts.commander }] : []),
            ...(opts.comms ? [{ role: 'communications' as const, person: opts.comms }] : []),
            ...(opts.responder ?? []).map((person) => ({ role: 'responder' as const, person })),
          ];
          for (const r of roles) {
            if (!config.users.some((u) => u.name === r.person)) {
              throw new (await import('../../lib/errors/index.js')).OpsbookError('OPSBOOK_E_USAGE', `${r.person} (--${r.role === 'communications' ? 'comms' : r.role}) is not one of the configured users`);
            }
          }
          return ops.declare({ title, severity: opts.severity, ...(opts.service ? { service: opts.service } : {}), ...(opts.note ? { description: opts.note } : {}), roles }, await actor());
        },
      );
      if (opts.json) return io.out(JSON.stringify(i, null, 2));
      io.out(`${i.id} declared (${i.severity}): ${i.title}`);
    });

  withActingOptions(incident.command('note <id> <text>'))
    .description('Add a note to an incident’s timeline ("follow-up: …" notes become review follow-ups).')
    .action(async (id: string, text: string, opts: Common) => {
      const entry = await withIncidents(
        opts,
        io,
        (r) => callApi<TimelineEntry>(r, 'POST', `/api/incidents/${encodeURIComponent(id)}/notes`, { text }),
        async ({ ops, actor }) => ops.incidents.addNote(id, await actor(), text),
      );
      io.out(opts.json ? JSON.stringify(entry, null, 2) : `noted on ${id}`);
    });

  withActingOptions(incident.command('review <id>'))
    .description('Print the post-incident review as markdown: the latest version saved in the web editor, else the generated draft (timeline, response times against target, steps run, action items).')
    .option('-o, --out <file>', 'write to a file instead of stdout')
    .action(async (id: string, opts: Common & { out?: string }) => {
      const markdown = await withIncidents(
        opts,
        io,
        async () => {
          throw new (await import('../../lib/errors/index.js')).OpsbookError('OPSBOOK_E_USAGE', 'incident review reads the store directly; run it where the config is (without --server)');
        },
        async ({ ops, store, config, runbooks }) => {
          const { reviewDocument } = await import('../../daemon/operations/index.js');
          return (await reviewDocument(store, config, ops.incidents, id, { runbooks })).markdown;
        },
        { runbooks: true },
      );
      if (opts.out) {
        (await import('node:fs')).writeFileSync(opts.out, markdown);
        io.err(`review written to ${opts.out}`);
      } else io.out(markdown);
    });
};

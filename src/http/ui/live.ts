import type { Daemon } from '../../daemon/index.js';
import { summarizeChecks, worstState, type CheckSummary } from './data/checks.js';
import type { CheckConfig } from '../../config/schema/checks.js';
import { stateBadge } from './components.js';
import { formatSse, uiEvents, type UiEvent } from './events.js';
import { incidentsBySeverity, openIncidentsMark, serviceBadge } from './pages/overview.js';
import { checkListRow } from './pages/checks.js';
import { checkRowsOf } from './data/check-list.js';
import { openIncidents, type ServiceView } from './data/incidents.js';
import { teamView } from '../teams.js';
import type { UiRoute } from './route.js';
import { IncidentFeed } from './incident-feed.js';
import { ExecutionFeed, executionAudience, executionEvents } from './execution-feed.js';
import { executionParts } from './pages/execution.js';

// How often open pages' checks are compared with the store while someone is watching.
const WATCH_EVERY_MS = 1000;
const KEEPALIVE_MS = 25_000;

/**
 * Publishes a check's fresh row whenever its latest stored run changes. It reads the store, so it
 * sees results whichever process ran the check; it runs only while a browser is subscribed.
 */
class CheckWatcher {
  private timer: NodeJS.Timeout | undefined;
  private seen = new Map<string, string>();
  private busy = false;

  constructor(private readonly daemon: Daemon) {
    this.incidents = new IncidentFeed(daemon);
    this.executions = new ExecutionFeed(daemon);
  }

  /** The executions whose pages are open, followed through the store's change feed. */
  readonly executions: ExecutionFeed;

  ensureRunning(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), WATCH_EVERY_MS);
    this.timer.unref();
  }

  private readonly incidents: IncidentFeed;

  /** The team views of the overviews watching their open incidents, by `openViewKey`, with how many watch each. */
  private readonly openViews = new Map<string, { view: ServiceView; team: string | undefined; watchers: number }>();

  /** Watches the open incidents of one view until the returned function is called. */
  watchOpenIncidents(key: string, view: ServiceView, team: string | undefined): () => void {
    const watched = this.openViews.get(key) ?? { view, team, watchers: 0 };
    watched.watchers++;
    this.openViews.set(key, watched);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      if (--watched.watchers > 0) return;
      this.openViews.delete(key);
      this.seen.delete(`incidents:open:${key}`);
    };
  }

  ensureIncidentFeed(): Promise<void> {
    this.incidents.start();
    return this.incidents.ready();
  }

  stopIfIdle(): void {
    if (uiEvents(this.daemon).size > 0) return;
    this.incidents.stop();
    this.executions.stop();
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Compares every check's latest run with what was last published. The first look only records. */
  async tick(): Promise<void> {
    if (this.busy || this.daemon.isStopping) return;
    this.busy = true;
    try {
      const bus = uiEvents(this.daemon);
      const byService = new Map<string, CheckSummary['state'][]>();
      const checks = this.daemon.config.checks as CheckConfig[];
      // Every check's latest run in one read: this runs every second while a page is open.
      const summaries = await summarizeChecks(this.daemon, checks, 1);
      const changed: Array<{ check: CheckConfig; state: CheckSummary['state'] }> = [];
      for (const [i, check] of checks.entries()) {
        const s = summaries[i]!;
        if (s.service) {
          const states = byService.get(s.service);
          if (states) states.push(s.state);
          else byService.set(s.service, [s.state]);
        }
        const mark = `${s.lastAt ?? ''}:${s.state}`;
        const before = this.seen.get(s.id);
        this.seen.set(s.id, mark);
        if (before !== undefined && before !== mark) changed.push({ check, state: s.state });
      }
      // The changed checks' rows in one read too: each new run changes its check's row.
      const rows = await checkRowsOf(this.daemon, changed.map((c) => c.check));
      for (const [i, { check, state }] of changed.entries()) {
        bus.publish({ type: 'check', id: check.id, html: checkListRow(rows[i]!).value, data: { state } });
        bus.publish({ type: 'checkstate', id: check.id, html: stateBadge(state).value, data: { state } });
      }
      // A service's badge is the worst of its checks' states: it changes with them, never stays "up" beside a red check.
      for (const service of this.daemon.config.services) {
        const state = worstState(byService.get(service.id) ?? []);
        const before = this.seen.get(`service:${service.id}`);
        this.seen.set(`service:${service.id}`, state);
        if (before === undefined || before === state) continue;
        bus.publish({ type: 'servicestate', id: service.id, html: serviceBadge(service.id, state).value, data: { state } });
      }
      // Each team view's open incidents, for the overviews showing it: a person sees their view's list.
      for (const [key, watched] of this.openViews) {
        const open = await openIncidents(this.daemon, watched.view);
        const mark = openIncidentsMark(open);
        const before = this.seen.get(`incidents:open:${key}`);
        this.seen.set(`incidents:open:${key}`, mark);
        if (before !== undefined && before !== mark) {
          bus.publish({ type: 'incidents', id: 'open', audience: key, html: incidentsBySeverity(this.daemon, open, watched.team).value });
        }
      }
    } catch (e) {
      this.daemon.logger.warn({ err: e }, 'live check watcher failed');
    } finally {
      this.busy = false;
    }
  }
}

/** One key per `?team=` and team view: overviews with the same key show the same open-incidents list. */
function openViewKey(team: string | undefined, view: ServiceView): string {
  return JSON.stringify([team ?? null, view ? [view.visible, view.owned] : null]);
}

const watchers = new WeakMap<Daemon, CheckWatcher>();
const streams = new WeakMap<Daemon, Set<() => void>>();

/** Ends every open event stream (before the server closes: they never go idle on their own). */
export function closeLiveStreams(daemon: Daemon): void {
  for (const end of [...(streams.get(daemon) ?? [])]) end();
}

function watcherFor(daemon: Daemon): CheckWatcher {
  let w = watchers.get(daemon);
  if (!w) {
    w = new CheckWatcher(daemon);
    watchers.set(daemon, w);
  }
  return w;
}

export function liveRoutes(): UiRoute[] {
  return [
    {
      method: 'GET',
      url: '/ui/events',
      access: 'viewer',
      summary: 'Server-sent events: live updates for open pages.',
      handler: async ({ daemon, request, reply, actor, query }) => {
        const watcher = watcherFor(daemon);
        // An overview's stream (it names its list's mark) follows the open incidents of its team view.
        const rendered = query.open;
        const view = rendered !== undefined ? teamView(daemon, actor!, query.team) : undefined;
        // An execution's page (it names the execution and its mark) follows that execution.
        const execution = rendered === undefined && query.execution ? query.execution : undefined;
        const audience = rendered !== undefined ? openViewKey(query.team, view) : execution !== undefined ? executionAudience(execution) : undefined;
        const unwatchOpen = rendered !== undefined && audience !== undefined ? watcher.watchOpenIncidents(audience, view, query.team) : () => undefined;
        const unfollow = execution !== undefined ? watcher.executions.watch(execution) : () => undefined;
        const unwatch = () => {
          unwatchOpen();
          unfollow();
        };
        try {
          await watcher.tick(); // records the current state, so only later changes are sent
        } catch (e) {
          unwatch();
          throw e;
        }
        await watcher.ensureIncidentFeed();
        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-store',
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
        });
        res.write('retry: 3000\n\n: connected\n\n');
        // An event for one audience (a team view's list) goes to the streams of that audience only.
        const send = (e: UiEvent) => (e.audience === undefined || e.audience === audience ? res.write(formatSse(e)) : true);
        const unsubscribe = uiEvents(daemon).subscribe(send);
        // The page's open-incidents list is older than this stream: a change in between is sent now.
        if (rendered !== undefined) {
          const open = await openIncidents(daemon, view);
          if (openIncidentsMark(open) !== rendered) send({ type: 'incidents', id: 'open', audience, html: incidentsBySeverity(daemon, open, query.team).value });
        }
        // So is the execution page's: a step run, or a Finish, between its rendering and this stream.
        if (execution !== undefined) {
          const parts = await executionParts(daemon, execution).catch(() => undefined); // the stream still follows later changes
          if (parts && parts.mark !== query.mark) for (const event of executionEvents(execution, parts)) send(event);
        }
        const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
        keepalive.unref();
        watcher.ensureRunning();
        let open = streams.get(daemon);
        if (!open) streams.set(daemon, (open = new Set()));
        const end = () => {
          if (!open.delete(end)) return;
          clearInterval(keepalive);
          unsubscribe();
          unwatch();
          watcher.stopIfIdle();
          res.end();
        };
        open.add(end);
        request.raw.on('close', end);
        return undefined;
      },
    },
  ];
}

import type { CliIO } from '../context.js';
import { cliActor, openLocal } from '../local.js';
import { callApi, remoteFrom } from '../remote.js';
import type { CalendarFeed, CalendarFeeds, OverrideBook, StoredOverride } from '../../oncall/index.js';
import type { Actor } from '../../identity/index.js';

/** What `opsbook oncall override|swap|feeds` do; loaded only when one of them runs. */
export interface ChangeCommon {
  config?: string;
  as?: string;
  server?: string;
  token?: string;
  json?: boolean;
}

/** The JSON the API answers with for an override (also what `--json` prints locally). */
interface OverrideJson {
  id: string;
  schedule: string;
  user: string;
  covers: string | null;
  start: string;
  end: string;
  reason: string;
  swap: string | null;
  created_by: string;
}

interface FeedJson {
  id: string;
  kind: string;
  subject: string;
  url?: string;
}

/** CLI flags are the fields' names: `--return-start` for `return.start`. */
const flag = (f: string) => `--${f.replace('.', '-')}`;

const json = (o: StoredOverride): OverrideJson => ({
  id: o.id, schedule: o.schedule, user: o.user, covers: o.covers ?? null, start: new Date(o.start).toISOString(), end: new Date(o.end).toISOString(), reason: o.reason, swap: o.swap ?? null, created_by: o.createdBy,
});

const feedJson = (f: CalendarFeed): FeedJson => ({ id: f.id, kind: f.kind, subject: f.subject, ...(f.url ? { url: f.url } : {}) });

/** Runs against a server with --server, else against the config's store as --as / OPSBOOK_USER. */
async function withBook<T>(io: CliIO, opts: ChangeCommon, remote: (r: NonNullable<ReturnType<typeof remoteFrom>>) => Promise<T>, local: (book: OverrideBook, feeds: CalendarFeeds, actor: () => Promise<Actor>) => Promise<T>): Promise<T> {
  const r = remoteFrom(opts, io.env);
  if (r) return remote(r);
  const ctx = await openLocal(opts.config, io.env);
  try {
    const { OverrideBook, CalendarFeeds } = await import('../../oncall/index.js');
    const host = { store: ctx.store, clock: ctx.clock, config: ctx.config };
    return await local(new OverrideBook(host), new CalendarFeeds(host), () => cliActor(ctx.config, opts.as, io.env));
  } finally {
    await ctx.close();
  }
}

function printOverrides(io: CliIO, list: OverrideJson[], asJson: boolean | undefined): void {
  if (asJson) io.out(JSON.stringify({ overrides: list }, null, 2));
  else if (list.length === 0) io.out('no overrides');
  else for (const o of list) io.out([o.id, o.schedule, `${o.user}${o.covers ? ` covers ${o.covers}` : ''}`, `${o.start} – ${o.end}`, o.reason, o.swap ? `(swap ${o.swap})` : ''].join('  ').trimEnd());
}

export async function overrideAdd(io: CliIO, opts: ChangeCommon & { schedule: string; user: string; covers?: string; start: string; end: string; reason: string }): Promise<void> {
  const input = { user: opts.user, ...(opts.covers ? { covers: opts.covers } : {}), start: opts.start, end: opts.end, reason: opts.reason };
  const o = await withBook(
    io, opts,
    async (r) => (await callApi<{ override: OverrideJson }>(r, 'POST', '/api/oncall/overrides', { schedule: opts.schedule, ...input })).override,
    async (book, _f, actor) => json(await book.create(opts.schedule, input, await actor(), flag)),
  );
  printOverrides(io, [o], opts.json);
}

export async function swapAdd(io: CliIO, opts: ChangeCommon & { schedule: string; user: string; with: string; start: string; end: string; returnStart: string; returnEnd: string; reason: string }): Promise<void> {
  const input = { user: opts.user, with: opts.with, start: opts.start, end: opts.end, return: { start: opts.returnStart, end: opts.returnEnd }, reason: opts.reason };
  const list = await withBook(
    io, opts,
    async (r) => (await callApi<{ overrides: OverrideJson[] }>(r, 'POST', '/api/oncall/swaps', { schedule: opts.schedule, ...input })).overrides,
    async (book, _f, actor) => (await book.swap(opts.schedule, input, await actor(), flag)).map(json),
  );
  printOverrides(io, list, opts.json);
}

export async function overrideList(io: CliIO, opts: ChangeCommon & { schedule?: string; past?: boolean }): Promise<void> {
  const list = await withBook(
    io, opts,
    async (r) => {
      const q = new URLSearchParams({ ...(opts.schedule ? { schedule: opts.schedule } : {}), ...(opts.past ? { past: 'true' } : {}) });
      return (await callApi<{ overrides: OverrideJson[] }>(r, 'GET', `/api/oncall/overrides?${q}`)).overrides;
    },
    async (book) => (await book.list({ ...(opts.schedule ? { schedule: opts.schedule } : {}), includePast: !!opts.past, at: '--schedule' })).map(json),
  );
  printOverrides(io, list, opts.json);
}

export async function overrideDelete(io: CliIO, id: string, opts: ChangeCommon): Promise<void> {
  const list = await withBook(
    io, opts,
    async (r) => (await callApi<{ deleted: OverrideJson[] }>(r, 'DELETE', `/api/oncall/overrides/${encodeURIComponent(id)}`)).deleted,
    async (book, _f, actor) => (await book.remove(id, await actor())).map(json),
  );
  if (opts.json) io.out(JSON.stringify({ deleted: list }, null, 2));
  else io.out(`deleted ${list.map((o) => o.id).join(', ')}`);
}

export async function feedsList(io: CliIO, opts: ChangeCommon): Promise<void> {
  const list = await withBook(
    io, opts,
    async (r) => (await callApi<{ feeds: FeedJson[] }>(r, 'GET', '/api/calendars')).feeds,
    async (_b, feeds, actor) => (await feeds.forActor(await actor())).map(feedJson),
  );
  if (opts.json) io.out(JSON.stringify({ feeds: list }, null, 2));
  else for (const f of list) io.out([f.id, `${f.kind}:${f.subject}`, f.url ?? '(not yours: no URL shown)'].join('  '));
}

export async function feedsRevoke(io: CliIO, id: string | undefined, opts: ChangeCommon & { all?: boolean }): Promise<void> {
  if (!id && !opts.all) {
    const { OpsbookError } = await import('../../lib/errors/index.js');
    throw new OpsbookError('OPSBOOK_E_USAGE', 'name the feed to revoke (its id from `opsbook oncall feeds list`), or --all to revoke every feed URL', { location: { path: 'ID' } });
  }
  await withBook(
    io, opts,
    async (r) => callApi(r, 'POST', opts.all ? '/api/calendars/revoke' : `/api/calendars/${encodeURIComponent(id!)}/revoke`),
    async (_b, feeds, actor) => (opts.all ? feeds.revokeAll(await actor()) : feeds.revoke(id!, await actor())),
  );
  io.out(opts.all ? 'revoked every calendar feed URL' : `revoked calendar feed ${id}`);
}

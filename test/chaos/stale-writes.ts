/**
 * How the chaos run catches a stale-epoch write independently of the processes' own bookkeeping:
 * opsbook names, in each fenced transaction, the member and the `lease@epoch` its writes are made
 * under (the transaction setting `opsbook.fence`). Deferred triggers on the tables that work writes
 * (check results, alert state, incidents and their timeline, escalations, the outbox) compare it, at
 * commit, with the lease table: a write committed under an epoch the lease has already moved past
 * is recorded in `chaos_stale_writes`. With fencing on, the lease row is share-locked by the write's
 * transaction, so a takeover cannot slip between the check and the commit.
 */
import { sql, type Kysely } from 'kysely';

export const WATCHED_TABLES = ['check_results', 'alert_series', 'incidents', 'incident_timeline', 'escalations', 'outbox'] as const;

export async function installStaleWriteWatch(db: Kysely<unknown>): Promise<void> {
  await sql`create table if not exists chaos_stale_writes (
    at timestamptz not null default clock_timestamp(), xid bigint not null, tbl text not null,
    member text not null, lease text not null, epoch bigint not null, current_epoch bigint, holder text)`.execute(db);
  await sql.raw(`create or replace function chaos_check_fence() returns trigger language plpgsql as $$
declare
  f text := current_setting('opsbook.fence', true);
  item text; m text; l text; e bigint; cur_epoch bigint; cur_holder text;
begin
  if f is null or f = '' then return null; end if;
  -- Once per transaction: every deferred trigger of it fires at commit and would see the same.
  if current_setting('chaos.checked', true) = txid_current()::text then return null; end if;
  perform set_config('chaos.checked', txid_current()::text, true);
  foreach item in array string_to_array(f, ',') loop
    m := split_part(item, '|', 1);
    l := split_part(split_part(item, '|', 2), '@', 1);
    e := split_part(split_part(item, '|', 2), '@', 2)::bigint;
    select epoch, holder into cur_epoch, cur_holder from cluster_leases where name = l;
    if cur_epoch is distinct from e then
      insert into chaos_stale_writes (xid, tbl, member, lease, epoch, current_epoch, holder)
      values (txid_current(), TG_TABLE_NAME, m, l, e, cur_epoch, cur_holder);
    end if;
  end loop;
  return null;
end $$`).execute(db);
  for (const t of WATCHED_TABLES) {
    await sql.raw(`drop trigger if exists chaos_fence on ${t}`).execute(db);
    await sql.raw(`create constraint trigger chaos_fence after insert or update on ${t} deferrable initially deferred for each row execute function chaos_check_fence()`).execute(db);
  }
}

/** Transactions committed under an epoch older than the lease's at commit, and the writes per table. */
export async function staleWrites(db: Kysely<unknown>): Promise<{ transactions: number; byTable: Record<string, number> }> {
  const rows = await sql<{ tbl: string; n: string; x: string }>`select tbl, count(*) as n, count(distinct xid) as x from chaos_stale_writes group by tbl`.execute(db);
  const total = await sql<{ x: string }>`select count(distinct xid) as x from chaos_stale_writes`.execute(db);
  return { transactions: Number(total.rows[0]?.x ?? 0), byTable: Object.fromEntries(rows.rows.map((r) => [r.tbl, Number(r.x)])) };
}

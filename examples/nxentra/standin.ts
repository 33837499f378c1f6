/**
 * Nxentra (seed 000) stand-in: Django-style health endpoints, Prometheus metrics with
 * `nxentra_projection_lag`, the `events_eventbookmark` table the RB-001 diagnosis queries, and the
 * Celery broker list in Redis; the event store (`events_businessevent`) and `tenant_migration_log` the
 * RB-004 and migration-failure checks query.
 * Projection lag is real: `nxentra_projection_lag` is counted from the rows, the events of acme-corp
 * (company 1) past the furthest-behind bookmark's `last_sequence`; a projection processor (what
 * process_all_projections does) moves every bookmark that is not paused up to its company's newest
 * event four times a second. A paused bookmark therefore falls behind as events arrive.
 * Faults: `tenant_directory` (the full health check fails "TENANT HEALTH CHECK FAILED", RB-003), `event_gap`
 * (company 1's event 3 deleted from the event store: a real gap, RB-004), `migration_failed` (a FAILED
 * row in tenant_migration_log). The last two change the world's database itself, idempotently both ways.
 */
import pg from 'pg';
import { histogramSamples, promText, runAsProcess, startStandin, type Faults, type Standin } from '../support/standin.js';

export async function startNxentra(env: NodeJS.ProcessEnv = process.env): Promise<Standin> {
  const db = new pg.Pool({ connectionString: env.STANDIN_PG_URL, max: 2 });
  // An idle connection the server drops is replaced on next use; the next query reports real trouble.
  db.on('error', () => {});
  await db.query(`CREATE TABLE IF NOT EXISTS events_eventbookmark (
    consumer_name text NOT NULL, company_id int NOT NULL, is_paused boolean NOT NULL DEFAULT false,
    error_count int NOT NULL DEFAULT 0, last_error text NOT NULL DEFAULT '', last_sequence int NOT NULL DEFAULT 0,
    PRIMARY KEY (consumer_name, company_id))`);
  await db.query(`INSERT INTO events_eventbookmark (consumer_name, company_id) VALUES ('ledger', 1), ('dashboard', 1), ('ledger', 2)
    ON CONFLICT DO NOTHING`);
  // The event store RB-004's gap query reads (sequences without gaps) and the tenant migration log.
  await db.query(`CREATE TABLE IF NOT EXISTS events_businessevent (
    id serial PRIMARY KEY, company_id int NOT NULL, company_sequence int NOT NULL, event_type text NOT NULL, idempotency_key text NOT NULL)`);
  await db.query(`INSERT INTO events_businessevent (company_id, company_sequence, event_type, idempotency_key)
    SELECT c, n, 'JournalEntryPosted', c || '-' || n FROM generate_series(1, 2) c, generate_series(1, 5) n
    WHERE NOT EXISTS (SELECT 1 FROM events_businessevent)`);
  await db.query(`CREATE TABLE IF NOT EXISTS tenant_migration_log (
    id serial PRIMARY KEY, tenant_id int NOT NULL, status text NOT NULL, started_at timestamptz NOT NULL DEFAULT now(), error text NOT NULL DEFAULT '')`);
  const faults: Faults = { tenant_directory: false, event_gap: false, migration_failed: false };
  let requests = 0;
  // process_all_projections: every bookmark not paused is brought up to its company's newest event.
  const processProjections = (): Promise<unknown> => db.query(`UPDATE events_eventbookmark b SET last_sequence = e.newest
    FROM (SELECT company_id, max(company_sequence) AS newest FROM events_businessevent GROUP BY company_id) e
    WHERE e.company_id = b.company_id AND NOT b.is_paused AND b.last_sequence < e.newest`).catch(() => undefined);
  await processProjections();
  let processing: Promise<unknown> = Promise.resolve();
  const processor = setInterval(() => void (processing = processing.then(processProjections)), 250);
  const lag = async (): Promise<number> => {
    const r = await db.query<{ lag: number }>(`SELECT coalesce(max(e.newest - b.last_sequence), 0)::int AS lag FROM events_eventbookmark b
      JOIN (SELECT company_id, max(company_sequence) AS newest FROM events_businessevent GROUP BY company_id) e USING (company_id)
      WHERE b.company_id = 1`);
    return r.rows[0]?.lag ?? 0;
  };
  return startStandin({
    name: 'nxentra',
    port: Number(env.STANDIN_PORT ?? 0),
    faults,
    onClose: async () => {
      clearInterval(processor);
      await processing;
      await db.end();
    },
    onFaults: async (f) => {
      if (f.event_gap) await db.query(`DELETE FROM events_businessevent WHERE company_id = 1 AND company_sequence = 3`);
      else {
        await db.query(`INSERT INTO events_businessevent (company_id, company_sequence, event_type, idempotency_key)
          SELECT 1, 3, 'JournalEntryPosted', '1-3' WHERE NOT EXISTS (SELECT 1 FROM events_businessevent WHERE company_id = 1 AND company_sequence = 3)`);
      }
      if (f.migration_failed) {
        await db.query(`INSERT INTO tenant_migration_log (tenant_id, status, error)
          SELECT 7, 'FAILED', 'hash verification failed: 3 events differ' WHERE NOT EXISTS (SELECT 1 FROM tenant_migration_log WHERE status = 'FAILED')`);
      } else await db.query(`DELETE FROM tenant_migration_log WHERE status = 'FAILED'`);
    },
    routes: {
      '/_health/live': () => ({ json: { status: 'ok' } }),
      '/_health/ready': async () => {
        await db.query('SELECT 1');
        return { json: { status: 'ready' } };
      },
      '/_health/full': async () => (faults.tenant_directory
        ? { status: 500, json: { status: 'error', database: 'ok', tenant_directory: 'TENANT HEALTH CHECK FAILED: 2 companies without a TenantDirectory entry' } }
        : { json: { status: 'ok', database: 'ok', projection_lag: await lag() } }),
      '/_metrics/': async () => {
        requests += 1;
        const pending = await lag();
        return {
          text: promText([
            { name: 'nxentra_projection_lag', help: 'Events pending processing.', type: 'gauge', samples: [{ labels: { company_slug: 'acme-corp' }, value: pending }] },
            { name: 'nxentra_active_requests', help: 'Requests in flight.', type: 'gauge', samples: [{ value: 3 }] },
            { name: 'nxentra_request_duration_seconds', help: 'API latency.', type: 'histogram', samples: histogramSamples([0.05, 0.1, 0.5, 1, 2, 5], requests * 10, 0.04, { status: '2xx' }) },
          ]),
        };
      },
    },
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await runAsProcess(() => startNxentra());

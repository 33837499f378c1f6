/** Makes the database refuse audit entries of one action: a trigger on audit_log that raises (SQLite and PostgreSQL). */
import { sql } from 'kysely';
import type { Store } from '../../src/store/index.js';

export async function refuseAudit(store: Store, action: string): Promise<void> {
  if (store.dialect === 'postgres') {
    await sql.raw(`CREATE OR REPLACE FUNCTION refuse_audit() RETURNS trigger AS $$ BEGIN IF NEW.action = '${action}' THEN RAISE EXCEPTION 'audit refused'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`).execute(store.db);
    await sql.raw('DROP TRIGGER IF EXISTS refuse_audit ON audit_log').execute(store.db);
    await sql.raw('CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_audit()').execute(store.db);
  } else {
    await sql.raw('DROP TRIGGER IF EXISTS refuse_audit').execute(store.db);
    await sql.raw(`CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log WHEN NEW.action = '${action}' BEGIN SELECT RAISE(ABORT, 'audit refused'); END`).execute(store.db);
  }
}

/** Lets audit entries through again. */
export async function allowAudit(store: Store): Promise<void> {
  await sql.raw(store.dialect === 'postgres' ? 'DROP TRIGGER IF EXISTS refuse_audit ON audit_log' : 'DROP TRIGGER IF EXISTS refuse_audit').execute(store.db);
}

/** A database made for one run (a test file, a game day) and dropped after it. */
export interface ScratchDatabase {
  url: string;
  name: string;
  /** Drops the database, ending any connection still open to it. */
  drop(): Promise<void>;
}

/**
 * Creates database `name` on the PostgreSQL `adminUrl` reaches; `name` must be a plain identifier.
 * `settings` (plain names, values without quotes) become the database's defaults for every session
 * (ALTER DATABASE … SET). With `template`, the new database is a copy of that one (CREATE DATABASE
 * … TEMPLATE: its tables and rows, no session may be open on it meanwhile).
 */
export async function createScratchDatabase(adminUrl: string, name: string, settings: Record<string, string> = {}, template?: string): Promise<ScratchDatabase> {
  for (const n of [name, ...(template === undefined ? [] : [template])]) if (!/^[a-z_][a-z0-9_]*$/.test(n)) throw new Error(`not a plain database name: "${n}"`);
  for (const [k, v] of Object.entries(settings)) if (!/^[a-z_][a-z0-9_.]*$/.test(k) || !/^[A-Za-z0-9_.-]+$/.test(v)) throw new Error(`not a plain setting: ${k} = "${v}"`);
  const { default: pg } = await import('pg');
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}${template === undefined ? '' : ` TEMPLATE ${template}`}`);
    for (const [k, v] of Object.entries(settings)) await admin.query(`ALTER DATABASE ${name} SET ${k} = '${v}'`);
  } finally {
    await admin.end().catch(() => {});
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/**
 * kill -9 during heavy writes: a child opens incidents as fast as it can and is killed at random
 * moments; every incident it saw committed must be there with its audit entry, the store must pass
 * its integrity check (SQLite) and the audit chain must verify.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { listAudit, openStore, verifyAuditChain } from '../../src/store/index.js';
import { kill9, sleep, startChild } from '../support/crash.js';
import { createTestDatabase, postgresUp } from '../support/services.js';
import type { CaseResult, TortureCase } from './case.js';

export function heavyWritesCase(store: 'sqlite' | 'postgres'): TortureCase {
  return {
    name: `heavy writes under kill -9 (${store})`,
    async run({ quick }): Promise<CaseResult> {
      if (store === 'postgres' && !(await postgresUp())) return { figures: { skipped: 'PostgreSQL down' }, failures: [], exercised: process.env.OPSBOOK_REQUIRE_SERVICES !== '1' };
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-torture-writes-'));
      const scratch = store === 'postgres' ? await createTestDatabase('opsbook_torture') : undefined;
      const url = scratch?.url ?? path.join(dir, 'opsbook.db');
      const kills = quick ? 2 : 10;
      const acknowledged: string[] = [];
      const failures: string[] = [];
      let landed = 0;
      try {
        for (let k = 0; k < kills; k++) {
          const before = acknowledged.length;
          const child = await startChild('test/store/incident-writer.ts', [url], (line) => acknowledged.push(line));
          // Kill once this writer has acknowledged a random few writes, not after a fixed time:
          // a writer slow to start on a loaded machine would otherwise be killed before writing.
          const target = before + 5 + Math.floor(Math.random() * 200);
          for (let i = 0; i < 6000 && acknowledged.length < target; i++) await sleep(10);
          if ((await kill9(child)) && acknowledged.length > before) landed++;
        }
        const db = await openStore({ url });
        try {
          if (store === 'sqlite') {
            const check = await sql<{ integrity_check: string }>`PRAGMA integrity_check`.execute(db.db);
            if (check.rows[0]?.integrity_check !== 'ok') failures.push(`integrity_check: ${check.rows.map((r) => r.integrity_check).join('; ')}`);
          }
          const ids = new Set((await db.db.selectFrom('incidents').select('id').execute()).map((r) => r.id));
          const entries = await listAudit(db.db);
          const audited = new Set(entries.filter((e) => e.action === 'incident.create' || e.subject.startsWith('incident:')).map((e) => e.subject.replace(/^incident:/, '')));
          const missing = acknowledged.filter((id) => !ids.has(id));
          const unaudited = [...ids].filter((id) => !audited.has(id));
          const chain = verifyAuditChain(entries);
          if (missing.length) failures.push(`${missing.length} acknowledged writes missing`);
          if (unaudited.length) failures.push(`${unaudited.length} incidents without their audit entry`);
          if (chain.length) failures.push(`audit chain: ${chain.length} problems`);
          return {
            figures: { 'writes acknowledged': acknowledged.length, found: acknowledged.length - missing.length, 'stored incidents': ids.size, 'without audit entry': unaudited.length, kills, 'kills mid-write': landed },
            failures,
            exercised: landed > 0 && acknowledged.length > 0,
          };
        } finally {
          await db.close();
        }
      } finally {
        await scratch?.drop();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

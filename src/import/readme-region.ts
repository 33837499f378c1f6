import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseRunbook } from '../runbooks/index.js';
import { propose } from './propose.js';
import { importReadme } from './readme.js';

/** The import section of docs/import.md, built by importing each seed runbook on its own. */
export async function importReadmeRegion(seedsDir: string): Promise<string> {
  const runbooks = [];
  for (const name of (await readdir(seedsDir)).sort()) {
    const text = await readFile(path.join(seedsDir, name), 'utf8');
    const title = `Seed ${name.slice(0, 3)}: ${parseRunbook(text, { file: name }).title}`;
    runbooks.push({ title, file: name, proposal: propose([{ text, ref: name }]) });
  }
  return [
    '## Import: an ops config proposed from runbooks',
    '',
    '`opsbook import FILE... [--out DIR] [--json]` reads markdown runbooks (and Prometheus rule files) and proposes',
    'services, checks, rules, severities, escalation policies and SLOs. Every entry carries `# source: FILE:LINE`; what',
    'a runbook does not say is a `${TODO_…}` variable listed at the top of `ops.yaml`, so the proposal fails `opsbook',
    'validate` only by naming those variables, and validates once they are set (tested for every seed). Prometheus rules',
    '(alerting and recording) go as written into `DIR/prometheus/rules.yaml`, which `rule_files:` names and opsbook',
    'evaluates (docs/rule-files.md): a matching procedure is linked with a `runbook: FILE#ID` annotation, the `severity`',
    'label becomes the ladder id import chose, and a rule opsbook would refuse is listed in a comment instead (the file is',
    'in a subdirectory so that `opsbook validate DIR` does not read it as config). Backups: `max_age` is one period plus a twelfth (Daily → 26h).',
    '',
    'Credentials a runbook writes inline (`curl -u admin:PASSWORD`, `https://user:PASSWORD@host`, `?token=…&api_key=…`,',
    '`-H "Authorization: Bearer …"`, `PGPASSWORD=… psql`, `mysql -pPASSWORD`, `redis-cli -a PASSWORD`,',
    '`postgresql://app:PASSWORD@db/app`) are never copied into the proposal, its comments, `--json` or the report: each',
    'becomes a `${NAME}` reference named for the service and what it holds (`${LIBRARY_SERVICE_DB_PASSWORD}`,',
    '`${LIBRARY_SERVICE_TOKEN}`, `${LIBRARY_SERVICE_REDIS_PASSWORD}`), listed under "Credentials the runbooks write" at the',
    'top of `ops.yaml` with the line that wrote it, and named again by `--out` and in `--json` (`credentials`). Set them',
    'where opsbook runs, not in the file; which values count as credentials is the rule runbook steps are masked by',
    '(*What is masked* in docs/runbooks.md). A check from a curl that sends a credential header sends it too',
    '(`headers: { Authorization: Bearer ${LIBRARY_SERVICE_SEARCH_TOKEN} }`), and one whose curl sends Basic auth',
    '(`curl -u admin:PASSWORD`, `https://admin:PASSWORD@host/…`) sends it as a header whose variable holds the base64 of',
    '`admin:PASSWORD` (`headers: { Authorization: Basic ${LIBRARY_SERVICE_ADMIN_BASIC_AUTH} }`); what a runbook writes in a credential\'s place',
    '(`$DB_PASSWORD`, `<password>`) stays as written.',
    '',
    'What import finds in each seed runbook (generated; `src/import/readme.test.ts` keeps it in step):',
    '',
    importReadme(runbooks),
  ].join('\n');
}

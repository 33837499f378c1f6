/**
 * A seed's coverage table (docs/seeds/<system>.md) checked against the requirements list
 * (docs/seeds/requirements.md) and the example it describes (examples/<system>/): every row of the
 * seed has a line, every config key resolves in the example's parsed config, every proof exists.
 * Generic over the system and the seed number: `describeSeedCoverage({ system: 'nxentra', seed: '000' })`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { ConfigLoaded } from '../../src/config/index.js';
import { runTestFile } from '../../src/config-tests/index.js';
import { loadOpsConfig } from '../../src/daemon/config.js';
import { checkProcedureSettings, loadConfiguredRunbooks } from '../../src/executions/index.js';
import { findProcedure } from '../../src/runbooks/index.js';

export const REPO = join(import.meta.dirname, '..', '..');
export const REQUIREMENTS = 'docs/seeds/requirements.md';
export const TABLE_HEADER = '| Row | Seed line | Config key | Proof |';

export interface SeedCoverageOptions {
  /** Folder name under examples/ and file name under docs/seeds/, e.g. `nxentra`. */
  system: string;
  /** The seed's number in the requirements list, e.g. `000`. */
  seed: string;
}

export interface CoverageLine {
  row: string;
  seedLine: string;
  configKey: string;
  proof: string;
  /** 1-based line in the table's file, for messages. */
  line: number;
}

/** The row ids (`000-R1` …) the requirements list gives a seed; `R5-R8` stands for four rows. */
export function requirementRows(markdown: string, seed: string): { rows: string[]; announced: number } {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`## ${seed} `));
  if (start === -1) throw new Error(`${REQUIREMENTS} has no section "## ${seed} …"`);
  const announced = Number(/\((\d+)\)/.exec(lines[start]!)?.[1] ?? Number.NaN);
  const rows: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('## ')) break;
    // A line may carry several rows ("R1 C … R2 C …"); a row id is followed by its mark C, P or N.
    for (const m of line.matchAll(/(?:^|\s)R(\d+)(?:-R(\d+))?\s+[CPN]\s/g)) {
      const from = Number(m[1]);
      const to = m[2] === undefined ? from : Number(m[2]);
      for (let n = from; n <= to; n++) rows.push(`${seed}-R${n}`);
    }
  }
  return { rows, announced };
}

/** The lines of the coverage table: the first table whose header is exactly TABLE_HEADER. */
export function coverageLines(markdown: string): CoverageLine[] {
  const lines = markdown.split('\n');
  const header = lines.findIndex((l) => l.trim() === TABLE_HEADER);
  if (header === -1) throw new Error(`no table with the header ${TABLE_HEADER}`);
  const out: CoverageLine[] = [];
  for (let i = header + 2; i < lines.length && lines[i]!.trim().startsWith('|'); i++) {
    const cells = splitRow(lines[i]!);
    if (cells.length !== 4) throw new Error(`line ${i + 1}: ${cells.length} cells, expected 4`);
    const [row, seedLine, configKey, proof] = cells as [string, string, string, string];
    out.push({ row, seedLine, configKey, proof, line: i + 1 });
  }
  return out;
}

/** Cells of a markdown table row; `\|` is a literal bar, bars inside backticks stay too. */
function splitRow(line: string): string[] {
  const body = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  const cells: string[] = [];
  let cell = '';
  let code = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '\\' && body[i + 1] === '|') {
      cell += '|';
      i++;
    } else if (c === '`') {
      code = !code;
      cell += c;
    } else if (c === '|' && !code) {
      cells.push(cell.trim());
      cell = '';
    } else cell += c;
  }
  cells.push(cell.trim());
  return cells;
}

const unquote = (s: string) => s.trim().replace(/^`(.*)`$/, '$1').trim();

/** Several items in one cell are separated by `;` outside backticks and brackets. */
export function splitItems(cell: string): string[] {
  const items: string[] = [];
  let item = '';
  let depth = 0;
  let code = false;
  for (const c of cell) {
    if (c === '`') code = !code;
    else if (c === '[' && !code) depth++;
    else if (c === ']' && !code) depth--;
    if (c === ';' && depth === 0 && !code) {
      items.push(item);
      item = '';
    } else item += c;
  }
  items.push(item);
  return items.map(unquote).filter((s) => s.length > 0);
}

/** Proofs of a cell: a `reason:` is the last one and runs to the end of the cell, semicolons and all. */
export function splitProofs(cell: string): string[] {
  const at = cell.search(/(^|;)\s*reason:/);
  if (at === -1) return splitItems(cell);
  const reason = cell.slice(at).replace(/^;/, '').trim();
  return [...splitItems(cell.slice(0, at)), reason];
}

/**
 * Resolves `checks[id=nxentra-live].interval` in a parsed config: dotted keys, `["a.b#c"]` a map key
 * with dots in it, `[key=value]` picks the list element whose `key` is `value`, `[n]` an index.
 * Undefined when any step does not exist.
 */
export function resolveKey(root: unknown, key: string): unknown {
  let value: unknown = root;
  const re = /([^.[\]]+)|\["([^"]*)"\]|\[([^\]=]+)=([^\]]*)\]|\[(\d+)\]|(\.)/gy;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(key)) !== null) {
    consumed = re.lastIndex;
    if (m[6]) continue;
    if (value === null || value === undefined) return undefined;
    const name = m[1] ?? m[2];
    if (name !== undefined) {
      if (typeof value !== 'object' || Array.isArray(value)) return undefined;
      value = (value as Record<string, unknown>)[name];
    } else if (m[3] !== undefined) {
      if (!Array.isArray(value)) return undefined;
      const [k, v] = [m[3].trim(), m[4]!.trim()];
      value = value.find((e) => e && typeof e === 'object' && String((e as Record<string, unknown>)[k]) === v);
    } else if (m[5] !== undefined) {
      if (!Array.isArray(value)) return undefined;
      value = value[Number(m[5])];
    }
  }
  if (consumed !== key.length) return undefined;
  return value;
}

/** Placeholder values for the `${VAR}`s an example's ops.yaml reads (the game-day world fills them for real). */
export function placeholderEnv(yamlText: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const m of yamlText.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) {
    const name = m[1]!;
    env[name] = placeholderFor(name);
  }
  return env;
}

function placeholderFor(name: string): string {
  const n = name.toUpperCase();
  // A Standard Webhooks secret: whsec_ and base64 of 32 bytes.
  if (n.includes('SECRET')) return `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
  if (n.endsWith('STORE_URL')) return join(REPO, '.seed-coverage', 'opsbook.db');
  if (n.includes('PG_URL') || n.includes('POSTGRES')) return 'postgres://postgres@127.0.0.1:5432/test';
  if (n.includes('MONGO')) return 'mongodb://127.0.0.1:27017/?replicaSet=rs0';
  if (n.includes('REDIS') || n.includes('BROKER')) return 'redis://127.0.0.1:6379/0';
  if (n.endsWith('_URL')) return 'http://127.0.0.1:9';
  if (n.endsWith('_DIR')) return join(REPO, '.seed-coverage');
  if (n.endsWith('_PORT')) return '9';
  if (n.includes('WINDOW')) return '1s';
  if (n.endsWith('_CA')) return join(REPO, '.seed-coverage', 'ca.pem');
  return 'seed-coverage-placeholder-0123456789abcdef';
}

/** What a proof names, and why it does not hold (undefined when it does). */
export function proofProblem(proof: string, system: string): string | undefined {
  const test = /^test:\s*(\S+)\s*›\s*(.+)$/.exec(proof);
  if (test) {
    const [file, name] = [test[1]!, test[2]!.trim()];
    const path = join(REPO, file);
    if (!existsSync(path)) return `test file ${file} does not exist`;
    const text = readFileSync(path, 'utf8');
    if (/\.ya?ml$/.test(file)) {
      // An `opsbook test` file (docs/testing.md): describeSeedCoverage runs examples/<system>/tests/*.yaml.
      if (!file.startsWith(`examples/${system}/tests/`)) return `${file} is not one of examples/${system}/tests/*.yaml, which the coverage suite runs`;
      const spec = parseYaml(text) as { tests?: { name?: string }[] };
      return (spec.tests ?? []).some((t) => t.name === name) ? undefined : `${file} has no test named "${name}"`;
    }
    const declared = [`'${name}'`, `"${name}"`, `\`${name}\``].some((q) => text.includes(q));
    return declared ? undefined : `${file} declares no test named "${name}"`;
  }
  const recovery = /^gameday:\s*([\w-]+)\/recovery\s+(\S+#\S+)$/.exec(proof);
  if (recovery) {
    const [sys, procedure] = [recovery[1]!, recovery[2]!];
    const file = join(REPO, 'examples', sys, 'gameday.yaml');
    if (!existsSync(file)) return `examples/${sys}/gameday.yaml does not exist`;
    if (sys !== system) return `game day ${sys} is not ${system}'s`;
    // `recovery:` is one test or a list of them.
    const spec = parseYaml(readFileSync(file, 'utf8')) as { recovery?: { procedure?: string } | { procedure?: string }[] };
    return [spec.recovery ?? []].flat().some((t) => t.procedure === procedure) ? undefined : `examples/${sys}/gameday.yaml has no recovery test of ${procedure}`;
  }
  const gameday = /^gameday:\s*([\w-]+)\/([\w.-]+)$/.exec(proof);
  if (gameday) {
    const [sys, id] = [gameday[1]!, gameday[2]!];
    const file = join(REPO, 'examples', sys, 'gameday.yaml');
    if (!existsSync(file)) return `examples/${sys}/gameday.yaml does not exist`;
    if (sys !== system) return `game day ${sys} is not ${system}'s`;
    const spec = parseYaml(readFileSync(file, 'utf8')) as { scenarios?: { id?: string }[] };
    return (spec.scenarios ?? []).some((s) => s.id === id) ? undefined : `examples/${sys}/gameday.yaml has no scenario "${id}"`;
  }
  const reason = /^reason:\s*(.*)$/.exec(proof);
  if (reason) return reason[1]!.trim().length >= 10 ? undefined : 'a reason must say why (10 characters at least)';
  return 'a proof is "test: FILE › NAME", "gameday: SYSTEM/SCENARIO", "gameday: SYSTEM/recovery FILE#PROCEDURE" or "reason: WHY"';
}

/** The suite: one test per kind of failure, naming every offending line at once. */
export function describeSeedCoverage({ system, seed }: SeedCoverageOptions): void {
  const tableFile = `docs/seeds/${system}.md`;
  describe(`seed ${seed} (${system}) coverage table`, () => {
    const requirements = readFileSync(join(REPO, REQUIREMENTS), 'utf8');
    const { rows, announced } = requirementRows(requirements, seed);
    const table = coverageLines(readFileSync(join(REPO, tableFile), 'utf8'));

    it(`reads as many rows of seed ${seed} as the requirements list announces`, () => {
      expect(rows.length).toBe(announced);
      expect(new Set(rows).size).toBe(rows.length);
    });

    it('has one line for every row of the seed and none for rows that do not exist', () => {
      const listed = table.map((l) => l.row);
      expect(rows.filter((r) => !listed.includes(r)), `rows missing from ${tableFile}`).toEqual([]);
      expect(listed.filter((r) => !rows.includes(r)), `lines in ${tableFile} for rows not in ${REQUIREMENTS}`).toEqual([]);
      expect(listed.filter((r, i) => listed.indexOf(r) !== i), `rows listed twice in ${tableFile}`).toEqual([]);
      expect(table.filter((l) => l.seedLine.length === 0).map((l) => l.row), 'rows without the seed line').toEqual([]);
    });

    const loadExample = async (): Promise<ConfigLoaded> => {
      const file = join(REPO, 'examples', system, 'ops.yaml');
      const loaded = await loadOpsConfig(file, { env: placeholderEnv(readFileSync(file, 'utf8')) });
      if (!loaded.ok) throw new Error(`examples/${system}/ops.yaml does not load: ${loaded.issues.map((i) => `${i.message} → ${i.path}`).join('; ')}`);
      return loaded;
    };

    it(`names only config keys that exist in examples/${system}/ops.yaml as loaded`, async () => {
      const loaded = await loadExample();
      const missing: string[] = [];
      for (const line of table) {
        if (unquote(line.configKey) === '—') continue;
        const keys = splitItems(line.configKey);
        if (keys.length === 0) missing.push(`${tableFile}:${line.line} ${line.row}: no config key (write — when there is none)`);
        for (const key of keys) if (resolveKey(loaded.config, key) === undefined) missing.push(`${tableFile}:${line.line} ${line.row}: ${key}`);
      }
      expect(missing, 'config keys that do not resolve').toEqual([]);
    });

    it('names proofs that exist: a declared test, a scenario of the game day, or a reason', () => {
      const problems: string[] = [];
      for (const line of table) {
        const proofs = splitProofs(line.proof);
        if (proofs.length === 0) problems.push(`${tableFile}:${line.line} ${line.row}: no proof`);
        for (const proof of proofs) {
          const problem = proofProblem(proof, system);
          if (problem) problems.push(`${tableFile}:${line.line} ${line.row}: ${problem}`);
        }
      }
      expect(problems, 'proofs that do not hold').toEqual([]);
    });

    it('links only procedures that exist, and every procedure from a check or rule unless the table says why not', async () => {
      const { config, baseDir } = await loadExample();
      const runbooks = await loadConfiguredRunbooks(config, baseDir);
      const links = [...config.checks, ...config.rules].flatMap((x) => {
        const link = (x as { runbook?: string }).runbook;
        return link ? [{ id: x.id, link }] : [];
      });
      expect(links.filter((l) => !findProcedure(runbooks, l.link)).map((l) => `${l.id} → ${l.link}`), 'links to no procedure').toEqual([]);
      const linked = new Set(links.map((l) => findProcedure(runbooks, l.link)?.procedure));
      const explained = (title: string) =>
        table.some((l) => l.seedLine.toLowerCase().includes(title.toLowerCase()) && splitProofs(l.proof).some((p) => p.startsWith('reason:')));
      const unlinked = runbooks.flatMap((r) => r.procedures.filter((p) => !linked.has(p) && !explained(p.title)).map((p) => `${r.file}#${p.id} (${p.title})`));
      expect(unlinked, 'procedures no check or rule links, and no table line with a reason names').toEqual([]);
      // What the daemon checks once it has read the runbooks: procedures settings name real procedures and items.
      expect(checkProcedureSettings(config, runbooks).map((i) => `${i.path}: ${i.message}`), 'procedures settings').toEqual([]);
    });

    // The `opsbook test` files the table may name as proofs run here, so a named proof is one that ran.
    const testsDir = join(REPO, 'examples', system, 'tests');
    const testFiles = existsSync(testsDir) ? readdirSync(testsDir).filter((f) => /\.ya?ml$/.test(f)).sort() : [];
    for (const name of testFiles) {
      it(`passes every opsbook test of examples/${system}/tests/${name}`, async () => {
        const ops = join(REPO, 'examples', system, 'ops.yaml');
        const outcome = await runTestFile(join(testsDir, name), { env: placeholderEnv(readFileSync(ops, 'utf8')) });
        expect(outcome.error?.message, 'the test file runs').toBeUndefined();
        expect(outcome.tests.length, 'tests run').toBeGreaterThan(0);
        expect(outcome.tests.filter((t) => t.failures.length > 0).map((t) => `${t.name}: ${t.failures.join('; ')}`)).toEqual([]);
      });
    }
  });
}

import fs from 'node:fs';
import path from 'node:path';

/** Writes each `relative path → text` under `dir`, making folders as needed (a config directory, runbooks). */
export function writeFiles(dir: string, files: Readonly<Record<string, string>>): void {
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
}

/**
 * The bytes of every file under `dir`, sub-folders included (a data directory: the store, its WAL,
 * the outbox's lease-owner locks), as one latin1 string, to assert a secret is stored nowhere in clear.
 */
export function allFileBytes(dir: string): string {
  const files = fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => path.join(dir, f)).filter((f) => fs.statSync(f).isFile());
  if (files.length === 0) throw new Error(`no files under ${dir}`);
  return files.map((f) => fs.readFileSync(f).toString('latin1')).join('');
}

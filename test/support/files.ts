import fs from 'node:fs';
import path from 'node:path';

/** Writes each `relative path → text` under `dir`, making folders as needed (a config directory, runbooks). */
export function writeFiles(dir: string, files: Readonly<Record<string, string>>): void {
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
}

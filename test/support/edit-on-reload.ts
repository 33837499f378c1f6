import fs from 'node:fs';
import path from 'node:path';
import type { DaemonApp } from './daemon-app.js';

/**
 * Adds to a daemon whose pipeline has not started a part that, at each reload, writes `file` (under
 * the daemon's directory) with what `next()` answers, if anything: reloaded before the pipeline, it
 * changes the file after the reload's config load has read it — where a second read would see it.
 */
export async function editOnReload(app: DaemonApp, file: string, next: () => string | undefined): Promise<void> {
  await app.daemon.addComponent({
    name: `edits ${file}`,
    start: () => undefined,
    stop: () => undefined,
    reload: () => {
      const text = next();
      if (text !== undefined) fs.writeFileSync(path.join(app.dir, file), text);
    },
  });
}

/** Config files loaded from a temp folder, for tests of what every config load validates. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { ConfigLoadResult } from '../../src/config/index.js';
import { loadOpsConfig } from '../../src/daemon/config.js';

/**
 * `load(name, yaml)`: writes `yaml` as `name` in a temp folder (made before the suite's tests,
 * removed after them) and loads it with no environment variables.
 */
export function configLoader(prefix: string): (name: string, yaml: string) => Promise<ConfigLoadResult> {
  let dir: string | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), `${prefix}-`));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  return async (name, yaml) => {
    const file = join(dir!, name);
    await writeFile(file, yaml);
    return loadOpsConfig(file, { env: {} });
  };
}

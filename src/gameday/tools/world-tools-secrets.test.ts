/**
 * A game day runs runbook steps with the config the world's tools are added to (withWorldTools): a
 * copy of each service with a shell, its `shell.env` merged with the world's. The values `${VAR}`
 * gave from a variable named like a credential stay credentials of that copy: substituted into the
 * environment the step runs with, masked in all that is shown and stored of it, as with the loaded
 * config itself.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSecrets, loadConfig } from '../../config/index.js';
import { configDir } from '../../config/test-support.js';
import { withWorldTools } from './index.js';

describe('a game day’s service shell environment', () => {
  it('keeps the ${VAR} credentials of shell.env and base_url when the world’s tools are added', async () => {
    const env = { GD_DATABASE_PASSWORD: 'gd-Pass-5531', GD_API_TOKEN: 'gd-tok-7710' };
    const { dir, cleanup } = await configDir({
      'ops.yaml': [
        'services:',
        '  - id: billing',
        '    base_url: "http://127.0.0.1:9/?conn=${GD_API_TOKEN}"',
        '    shell:',
        '      env: { DB_CONN: "postgres-${GD_DATABASE_PASSWORD}", PGHOST: db.internal }',
        '',
      ].join('\n'),
    });
    try {
      const loaded = await loadConfig(join(dir, 'ops.yaml'), { env });
      if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
      expect(configSecrets(loaded.config)).toEqual(expect.arrayContaining(['gd-Pass-5531', 'gd-tok-7710']));
      const world = withWorldTools(loaded.config, { binDir: '/tmp/gameday-bin', env: { KUBECONFIG: '/tmp/kubeconfig' } });
      // The step's environment has the substituted value and the world's variables.
      expect(world.services[0]!.shell!.env).toMatchObject({ DB_CONN: 'postgres-gd-Pass-5531', PGHOST: 'db.internal', KUBECONFIG: '/tmp/kubeconfig' });
      // …and the copy still knows them as credentials.
      expect(configSecrets(world)).toEqual(expect.arrayContaining(['gd-Pass-5531', 'gd-tok-7710']));
      expect(configSecrets(world.services[0]!)).toEqual(expect.arrayContaining(['gd-Pass-5531', 'gd-tok-7710']));
    } finally {
      await cleanup();
    }
  });
});

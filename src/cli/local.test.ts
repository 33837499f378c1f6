import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { opsConfigSchema } from '../config/schema/index.js';
import { CONFIG_SECTIONS, configSiblings } from './local.js';

describe('the config a command reads by default', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('knows the same top-level sections as the schema', () => {
    expect([...CONFIG_SECTIONS].sort()).toEqual(Object.keys(opsConfigSchema.shape).sort());
  });

  it('names the YAML files beside ops.yaml that hold opsbook sections, and only those', () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-siblings-'));
    fs.writeFileSync(path.join(dir, 'ops.yaml'), 'checks: []\n');
    fs.writeFileSync(path.join(dir, 'paging.yaml'), '# on-call\nschedules:\n  - id: primary\nescalation_policies: []\n');
    fs.writeFileSync(path.join(dir, 'docker-compose.yml'), 'services:\n  web: {}\n');
    fs.writeFileSync(path.join(dir, 'values.yaml'), 'replicaCount: 2\nimage: {}\n');
    fs.mkdirSync(path.join(dir, 'odd.yaml'));
    // The files the config loader leaves out (isConfigFileName): another opsbook document, a hidden file.
    fs.writeFileSync(path.join(dir, 'gameday.yaml'), 'system: x\nmaintenance: { scenario: y }\n');
    fs.writeFileSync(path.join(dir, '.draft.yaml'), 'schedules: []\n');
    // A YAML file of another tool that happens to use an opsbook section name is named too (`services:` is
    // docker compose's): the note says what it read, the user knows which files are theirs.
    expect(configSiblings(dir)).toEqual([
      { file: 'docker-compose.yml', sections: ['services'] },
      { file: 'paging.yaml', sections: ['schedules', 'escalation_policies'] },
    ]);
  });
});

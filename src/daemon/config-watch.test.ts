import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { globFolders } from './config-watch.js';

describe('globFolders: where a file matching a rule_files: or runbooks: entry can appear', () => {
  let dir = '';
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const tree = (...folders: string[]) => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-glob-folders-'));
    for (const f of folders) fs.mkdirSync(path.join(dir, f), { recursive: true });
  };
  const folders = (pattern: string) => globFolders(pattern, dir).map((d) => path.relative(dir, d) || '.').sort();

  it('is the folder of a plain path and of a wildcard in the last segment', () => {
    tree('rules');
    expect(folders('rules/queue.yml')).toEqual(['rules']);
    expect(folders('rules/*.yml')).toEqual(['rules']);
    expect(folders(path.join(dir, 'rules/*.yml'))).toEqual(['rules']);
  });

  it('is every folder a wildcard in the folder part matches, and the folder before it', () => {
    tree('rules/team-a/nested', 'rules/team-b', 'rules/.hidden');
    expect(folders('rules/*/alerts.yml')).toEqual(['rules', 'rules/team-a', 'rules/team-b']);
    expect(folders('rules/**/*.yml')).toEqual(['rules', 'rules/team-a', 'rules/team-a/nested', 'rules/team-b']);
  });

  it('stands for a folder not there yet by its nearest existing parent', () => {
    tree('runbooks');
    expect(folders('runbooks/db/*.md')).toEqual(['runbooks']);
    expect(folders('alerts/prod/*.yml')).toEqual(['.']);
    expect(folders('alerts/x.yml')).toEqual(['.']);
  });
});

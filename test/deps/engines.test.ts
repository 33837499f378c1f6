/**
 * Every installed package supports the oldest Node.js opsbook's `engines` allows, as the lockfile
 * records it (the same data `npm install` warns EBADENGINE from), and `.npmrc` makes npm refuse a
 * mismatch instead of warning.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/cli.js';

const require = createRequire(import.meta.url);
const semver = require('semver') as { minVersion(range: string): { version: string } | null; satisfies(v: string, range: string): boolean };

interface Lock {
  packages: Record<string, { version?: string; engines?: { node?: string } | string[] }>;
}

describe('dependencies and Node.js 20', () => {
  it('install nothing whose engines exclude the oldest Node.js opsbook supports', () => {
    const own = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
    const oldest = semver.minVersion(own.engines.node)!.version;
    const lock = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package-lock.json'), 'utf8')) as Lock;
    const bad = Object.entries(lock.packages)
      .filter(([name, p]) => name !== '' && !Array.isArray(p.engines) && p.engines?.node && !semver.satisfies(oldest, p.engines.node))
      .map(([name, p]) => `${name.replace(/^.*node_modules\//, '')}@${p.version} needs node ${(p.engines as { node: string }).node}`);
    expect(bad, `oldest supported Node.js: ${oldest}`).toEqual([]);
  });

  it('make npm refuse an engine mismatch', () => {
    const npmrc = fs.readFileSync(path.join(REPO_ROOT, '.npmrc'), 'utf8');
    expect(npmrc).toMatch(/^engine-strict=true$/m);
  });
});

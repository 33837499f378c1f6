/**
 * Imports in src/ point one way (cli/http → daemon → domains → store/lib): no module reaches itself
 * through its imports, type-only imports included.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/cli.js';
import { folderGraph, importCycles, importGraph } from './import-graph.js';

const SRC = path.join(REPO_ROOT, 'src');

describe('the import graph of src/', () => {
  it('has no cycle', () => {
    const cycles = importCycles(importGraph(SRC)).map((group) => group.map((f) => path.relative(SRC, f)).join(' ↔ '));
    expect(cycles).toEqual([]);
  });

  it('has no cycle between folders in what is loaded at run time', () => {
    // Type-only imports between config/ and the domains whose sections it types are allowed; a
    // value import both ways (a check kind loading config/ while config/ loads the kinds) is not.
    // Test helpers kept beside their domain (test-support.ts, checks/testing/) are not loaded at run time.
    const helper = (f: string): boolean => /(^|\/)test-support\.ts$|\/testing\//.test(path.relative(SRC, f));
    const graph = new Map([...importGraph(SRC, { valuesOnly: true })].filter(([f]) => !helper(f)));
    const cycles = importCycles(folderGraph(SRC, graph)).map((group) => group.join(' ↔ '));
    expect(cycles).toEqual([]);
  });

  it('is read from every kind of import (the check sees a cycle when there is one)', () => {
    const a = path.join(SRC, 'a.ts');
    const b = path.join(SRC, 'b.ts');
    expect(importCycles(new Map([[a, [b]], [b, [a]]]))).toEqual([[a, b]]);
    const graph = importGraph(SRC);
    // A type-only import, a re-export and a dynamic import all count as edges.
    expect(graph.get(path.join(SRC, 'daemon/index.ts'))).toContain(path.join(SRC, 'daemon/daemon.ts'));
    expect(graph.get(path.join(SRC, 'cli/commands/serve.ts'))).toContain(path.join(SRC, 'daemon/index.ts'));
  });
});

/**
 * The import graph of src/ read from the sources: every static import and re-export (type-only ones
 * included: they tie modules as much as values do) and every `import('…')` with a literal path.
 */
import fs from 'node:fs';
import path from 'node:path';

const IMPORT = /(?:^|[\s;])(?:import|export)\s[^'";]*?\sfrom\s*['"]([^'"]+)['"]|(?:^|[\s;(=])import\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm;

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return /\.ts$/.test(e.name) && !/\.test\.ts$/.test(e.name) && !/\.d\.ts$/.test(e.name) ? [full] : [];
  });
}

function resolve(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(from), spec);
  for (const candidate of [base.replace(/\.js$/, '.ts'), base, `${base}.ts`, path.join(base, 'index.ts')]) {
    if (candidate.endsWith('.ts') && fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

/**
 * File → the files it imports (absolute paths), for every non-test module under `root`;
 * `valuesOnly` leaves out `import type` / `export type` (what is loaded at run time).
 */
export function importGraph(root: string, options: { valuesOnly?: boolean } = {}): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(root)) {
    const text = fs.readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm, '');
    const deps = new Set<string>();
    for (const m of text.matchAll(IMPORT)) {
      if (options.valuesOnly && /^[\s;]*(?:import|export)\s+type\s/.test(m[0])) continue;
      const target = resolve(file, m[1] ?? m[2] ?? m[3]!);
      if (target && !/\.test\.ts$/.test(target)) deps.add(target);
    }
    graph.set(file, [...deps]);
  }
  return graph;
}

/** The strongly connected groups of more than one module (or a module importing itself): each holds a cycle. */
export function importCycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const stack: string[] = [];
  const on = new Set<string>();
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const group: string[] = [];
      for (let w = stack.pop()!; ; w = stack.pop()!) {
        on.delete(w);
        group.push(w);
        if (w === v) break;
      }
      if (group.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(group.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

/** The top-level folder graph (e.g. `checks` → `config`) of a file graph under `root`. */
export function folderGraph(root: string, graph: Map<string, string[]>): Map<string, string[]> {
  const top = (f: string): string => path.relative(root, f).split(path.sep)[0]!;
  const out = new Map<string, Set<string>>();
  for (const [file, deps] of graph) {
    const from = top(file);
    if (from.endsWith('.ts')) continue;
    for (const d of deps) if (top(d) !== from) out.set(from, (out.get(from) ?? new Set()).add(top(d)));
  }
  return new Map([...out].map(([k, v]) => [k, [...v]]));
}

import { mkdir, realpath, symlink } from 'node:fs/promises';
import { basename, join } from 'node:path';

/**
 * How a stand-in (`examples/<system>/standin.ts`) is started: compiled into plain JavaScript with
 * esbuild (the compiler tsx itself runs on) in the world's own directory, so the stand-in starts
 * — and restarts — as a bare `node FILE`: about half the CPU of `node --import tsx FILE`, which
 * compiles the sources and runs a loader thread at every start, and every world starts one. When
 * esbuild cannot be loaded, the stand-in runs through tsx as before.
 */
export async function standinCommand(file: string, root: string, workDir: string | undefined): Promise<string[]> {
  const esbuild = workDir ? await import('esbuild').catch(() => undefined) : undefined;
  if (!esbuild || !workDir) return ['--import', 'tsx', file];
  // The real path: the stand-in compares its own import.meta.url (resolved) with argv[1] to know it is the main module.
  const dir = join(await realpath(workDir), 'standin');
  await mkdir(dir, { recursive: true });
  // Its packages (ioredis, pg, ws) are left out of the bundle and resolve through the repository's node_modules.
  await symlink(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir').catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'EEXIST') throw e;
  });
  const out = join(dir, basename(file).replace(/\.ts$/, '.mjs'));
  await esbuild.build({ entryPoints: [file], outfile: out, bundle: true, packages: 'external', format: 'esm', platform: 'node', target: 'node20', logLevel: 'silent' });
  return [out];
}

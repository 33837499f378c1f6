import { createRequire } from 'node:module';

const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };

/** The running opsbook version, from package.json. */
export const VERSION: string = pkg.version;

/**
 * Which files of a directory are its config files. Kept free of imports so the CLI can ask it before
 * any config module loads (`src/cli/local.ts` on every command's path, `--help` included).
 */

/**
 * Files of a config directory that are other opsbook documents, not config: a system directory keeps
 * its game-day spec (`opsbook gameday DIR`) beside its ops.yaml.
 */
export const NOT_CONFIG_FILES: readonly string[] = ['gameday.yaml'];

/** Whether a directory entry is one of a config directory's files: `*.yaml` or `*.yml`, not hidden, not another document. */
export function isConfigFileName(name: string): boolean {
  return /\.ya?ml$/i.test(name) && !name.startsWith('.') && !NOT_CONFIG_FILES.includes(name);
}

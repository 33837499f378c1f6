import fs from 'node:fs';
import { isConfigFileName } from '../config/index.js';
import type { Daemon } from './daemon.js';

/**
 * SIGTERM and SIGINT stop the daemon gracefully (a second one forces exit 1, after telling the
 * runbook steps running to stop: their process groups get SIGTERM); SIGHUP reloads the
 * config. SIGQUIT is left to Node's default, so an operator keeps a way to kill it outright.
 */
export function installSignalHandlers(daemon: Daemon, exit: (code: number) => void = (c) => process.exit(c)): () => void {
  let signalled = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (signalled) {
      daemon.logger.warn({ signal }, 'second signal: exiting now');
      daemon.abortSteps(signal);
      exit(1);
      return;
    }
    signalled = true;
    daemon.logger.info({ signal }, 'signal received');
    daemon.close(signal).then(
      () => exit(0),
      (e: unknown) => {
        daemon.logger.error({ err: e }, 'shutdown failed');
        exit(1);
      },
    );
  };
  const hup = (): void => {
    daemon.logger.info({ signal: 'SIGHUP' }, 'reloading config');
    void daemon.reload();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('SIGHUP', hup);
  return () => {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    process.off('SIGHUP', hup);
  };
}

/**
 * Reloads when a config file changes. Editors often replace files (rename over), which ends an
 * fs.watch on the old inode, so the watch is re-armed after every event; bursts are debounced.
 * A config directory is watched too: a file added to it (or one removed) is a change of the config.
 */
export function watchConfigFiles(daemon: Daemon, debounceMs = 250): () => void {
  let watchers: fs.FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const configPath = daemon.options.configPath;
  const arm = (): void => {
    for (const w of watchers) w.close();
    watchers = [];
    if (closed) return;
    try {
      if (fs.statSync(configPath).isDirectory()) {
        const w = fs.watch(configPath, { persistent: false }, (_event, name) => {
          if (name === null || isConfigFileName(String(name))) schedule();
        });
        w.on('error', () => schedule());
        watchers.push(w);
      }
    } catch {
      // The directory vanished; the next reload reports it.
    }
    for (const file of daemon.configFiles) {
      try {
        const w = fs.watch(file, { persistent: false }, () => schedule());
        w.on('error', () => schedule());
        watchers.push(w);
      } catch {
        // The file vanished mid-edit; the next reload reports it if it stays gone.
      }
    }
  };
  const schedule = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      void daemon.reload().finally(arm);
    }, debounceMs);
  };
  arm();
  return () => {
    closed = true;
    clearTimeout(timer);
    for (const w of watchers) w.close();
  };
}

import type { Daemon } from './daemon.js';

/**
 * SIGTERM and SIGINT stop the daemon gracefully (a second one forces exit 1, after ending the
 * commands running: their process groups get SIGTERM, then SIGKILL at most FORCED_EXIT_GRACE_MS
 * later, see Daemon.abortSteps); SIGHUP reloads the config. SIGQUIT is left to Node's default, so an operator keeps a way to kill it outright.
 */
export function installSignalHandlers(daemon: Daemon, exit: (code: number) => void = (c) => process.exit(c)): () => void {
  let signalled = false;
  let forcing = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (forcing) return;
    if (signalled) {
      forcing = true;
      daemon.logger.warn({ signal }, 'second signal: exiting now');
      daemon.abortSteps(signal).then(
        () => exit(1),
        () => exit(1),
      );
      return;
    }
    signalled = true;
    daemon.logger.info({ signal }, 'signal received');
    // A clean stop that ends after a second signal does not exit: the forced exit does, with 1, once
    // the process groups it ends are gone (a clean stop can end first: its steps were just stopped).
    daemon.close(signal).then(
      () => {
        if (!forcing) exit(0);
      },
      (e: unknown) => {
        daemon.logger.error({ err: e }, 'shutdown failed');
        if (!forcing) exit(1);
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

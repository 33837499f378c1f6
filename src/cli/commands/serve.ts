import type { AddressInfo } from 'node:net';
import { OpsbookError } from '../../lib/errors/index.js';
import type { RegisterCommands } from '../context.js';
import { resolveConfigPath } from '../local.js';
import { portNumber } from '../flags.js';

// Heavy modules load inside actions so `opsbook --help` and quick commands start fast.

export const registerServe: RegisterCommands = (program, io) => {
  program
    .command('serve')
    .description('Run the opsbook daemon: HTTP API, health endpoints, metrics and the configured work. Local by nature: this is the daemon that --server talks to.')
    .option('-c, --config <path>', 'ops.yaml or a directory of YAML files')
    .option('-p, --port <n>', 'port to listen on (overrides server.port)', portNumber)
    .option('--host <addr>', 'address to bind (overrides server.host)')
    .option('--no-watch', 'do not reload when the files the config read change: YAML, rule files, runbooks (SIGHUP still reloads)')
    .action(async (opts: { config?: string; port?: number; host?: string; watch: boolean }) => {
      const port = opts.port;
      const { Daemon, installSignalHandlers, watchConfigFiles } = await import('../../daemon/index.js');
      const { buildServer } = await import('../../http/index.js');
      const server = { ...(port !== undefined ? { port } : {}), ...(opts.host !== undefined ? { host: opts.host } : {}) };
      // The port is bound before anything runs: a taken port stops the start with nothing probed or sent.
      const daemon = await Daemon.start({ configPath: resolveConfigPath(opts.config, io.env), env: io.env, operations: 'deferred', server });
      // Handled from here on: a SIGTERM while the port is bound or the pipeline starts stops cleanly.
      const uninstall = installSignalHandlers(daemon);
      const app = buildServer(daemon);
      const { host, port: wanted } = daemon.config.server;
      let address: string;
      try {
        address = await app.listen({ port: wanted, host });
      } catch (e) {
        uninstall();
        await app.close().catch(() => undefined);
        await daemon.close();
        throw listenError(e, host, wanted);
      }
      const bound = (app.server.address() as AddressInfo).port;
      // `--port 0` takes a free port: links in notifications name the one taken.
      if (bound !== wanted) daemon.setServerOverrides({ ...server, port: bound });
      daemon.addCloser('http', () => app.close());
      try {
        await daemon.startOperations();
      } catch (e) {
        // Stopped by a signal during the start: the signal's shutdown is under way and exits.
        if (daemon.isStopping) return;
        uninstall();
        await daemon.close();
        throw e;
      }
      if (opts.watch) {
        const unwatch = watchConfigFiles(daemon);
        daemon.addCloser('config-watch', async () => unwatch());
      }
      daemon.logger.info({ address, public_url: daemon.config.server.public_url }, 'listening');
    });
};

function listenError(e: unknown, host: string, port: number): OpsbookError {
  const code = (e as NodeJS.ErrnoException).code;
  const why = code === 'EADDRINUSE' ? 'the port is already in use' : code === 'EACCES' ? 'permission denied' : code === 'EADDRNOTAVAIL' ? 'no such address on this machine' : (e as Error).message;
  return new OpsbookError('OPSBOOK_E_LISTEN', `cannot listen on ${host}:${port}: ${why} (choose another with server.port or --port)`);
}

import { OpsbookError } from '../../lib/errors/index.js';
import type { RegisterCommands } from '../context.js';
import { resolveConfigPath } from '../local.js';

// Heavy modules load inside actions so `opsbook --help` and quick commands start fast.

export const registerServe: RegisterCommands = (program, io) => {
  program
    .command('serve')
    .description('Run the opsbook daemon: HTTP API, health endpoints, metrics and the configured work. Local by nature: this is the daemon that --server talks to.')
    .option('-c, --config <path>', 'ops.yaml or a directory of YAML files')
    .option('-p, --port <n>', 'port to listen on (overrides server.port)')
    .option('--host <addr>', 'address to bind (overrides server.host)')
    .option('--no-watch', 'do not reload when config files change (SIGHUP still reloads)')
    .action(async (opts: { config?: string; port?: string; host?: string; watch: boolean }) => {
      const port = opts.port === undefined ? undefined : Number(opts.port);
      if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65_535)) {
        throw new OpsbookError('OPSBOOK_E_USAGE', `--port must be an integer 0–65535 (got "${opts.port}")`, { location: { path: '--port' } });
      }
      const { Daemon, installSignalHandlers, watchConfigFiles } = await import('../../daemon/index.js');
      const { buildServer } = await import('../../http/index.js');
      const daemon = await Daemon.start({ configPath: resolveConfigPath(opts.config, io.env), env: io.env });
      const app = buildServer(daemon);
      daemon.addCloser('http', () => app.close());
      installSignalHandlers(daemon);
      if (opts.watch) {
        const unwatch = watchConfigFiles(daemon);
        daemon.addCloser('config-watch', async () => unwatch());
      }
      const host = opts.host ?? daemon.config.server.host;
      const address = await app.listen({ port: port ?? daemon.config.server.port, host });
      daemon.logger.info({ address, public_url: daemon.config.server.public_url }, 'listening');
    });
};

// The daemon's public surface. A command that does not run the daemon imports the one module it
// needs (store.js, config.js, audit-head.js, logger.js): this index loads daemon.js and all it wires.
export { Daemon, type Component, type DaemonOptions, type Readiness, type ReadinessCheck } from './daemon.js';
export { installSignalHandlers } from './signals.js';
export { watchConfigFiles } from './config-watch.js';
export { createLogger, type Logger } from './logger.js';
export { VERSION } from './version.js';
export { openConfiguredStore } from './store.js';
export { auditHeadPath, readPublishedHead, writeHead, type PublishedHead } from './audit-head.js';

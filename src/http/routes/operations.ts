import type { Daemon } from '../../daemon/index.js';
import type { Operations } from '../../daemon/operations/index.js';
import { OpsbookError } from '../../lib/errors/index.js';

/** The running pipeline, or a clear error when this daemon runs without one. */
export function operationsOf(daemon: Daemon): Operations {
  if (!daemon.operations) throw new OpsbookError('OPSBOOK_E_PIPELINE_OFF', 'this opsbook process runs without the operations pipeline');
  return daemon.operations;
}

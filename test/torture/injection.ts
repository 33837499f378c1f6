/**
 * INJECTION CASE — the place for the injection corpus over API, CLI and alert labels.
 *
 * Planned shape, through the public API only: a runbook whose read step is `find $LOG_DIR -name
 * "*.log"`, an alert arriving at /api/ingest/alertmanager with the label
 * `log_dir: "logs -exec touch CANARY ;"` bound to that parameter, a responder running the step;
 * figures `injections tried / executed` (a CANARY file that exists is an executed injection), and
 * a failure for every executed one. Left undefined until parameters reach steps as data; the
 * runner lists it as missing so the gap stays visible.
 */
import type { TortureCase } from './case.js';

export const injectionCase: TortureCase | undefined = undefined;

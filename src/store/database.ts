import type { ApiTokensTable, AuditArchivesTable, AuditLogTable } from './tables/core.js';
import type { SessionTables } from './tables/sessions.js';
import type { NotifyTables } from './tables/notify.js';
import type { ExecutionTables } from './tables/executions.js';
import type { EscalationTables } from './tables/escalations.js';
import type { SloTables } from './tables/slos.js';
import type { IncidentTables } from './tables/incidents.js';
import type { CheckTables } from './tables/checks.js';
import type { PushTables } from './tables/push.js';
import type { SampleTables } from './tables/samples.js';
import type { RuleFileTables } from './tables/rule-files.js';
import type { StatusTables } from './tables/status.js';
import type { ClusterTables } from './tables/cluster.js';
import type { OncallTables } from './tables/oncall.js';

/** Every table opsbook keeps, by name. Each domain's tables live in `tables/<domain>.ts`. */
export interface Database extends CheckTables, IncidentTables, NotifyTables, ExecutionTables, EscalationTables, SessionTables, SloTables, PushTables, SampleTables, RuleFileTables, StatusTables, ClusterTables, OncallTables {
  api_tokens: ApiTokensTable;
  audit_log: AuditLogTable;
  audit_archives: AuditArchivesTable;
}

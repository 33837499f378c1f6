import type { ApiTokensTable, AuditLogTable } from './tables/core.js';

/** Every table opsbook keeps, by name. Each domain's tables live in `tables/<domain>.ts`. */
export interface Database {
  api_tokens: ApiTokensTable;
  audit_log: AuditLogTable;
}

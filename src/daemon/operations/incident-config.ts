import type { OpsConfig } from '../../config/index.js';
import type { IncidentConfig } from '../../incidents/index.js';

/**
 * The settings the incident service takes from the config. A module of its own: a command that
 * only reads incidents builds the service with it, without the alert rules ownership.ts loads.
 */
export function incidentConfig(config: OpsConfig): IncidentConfig {
  return { severities: config.severities, businessHours: config.business_hours, maintenance: config.maintenance, silences: config.silences };
}

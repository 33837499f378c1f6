import { z } from 'zod';
import { checksSection } from './checks.js';
import { escalationPoliciesSection } from './escalation-policies.js';
import { proceduresSection } from './procedures.js';
import { channelsSection } from './channels.js';
import { integrationsSection } from './integrations.js';
import { maintenanceSection, silencesSection } from './maintenance.js';
import { rulesSection } from './rules.js';
import { businessHoursSection, severitiesSection } from './severities.js';
import { slosSection } from './slos.js';
import { runbooksSection } from './runbooks.js';
import { ruleFilesSection } from './rule-files.js';
import { schedulesSection } from './schedules.js';
import { serverSection } from './server.js';
import { servicesSection } from './services.js';
import { teamsSection } from './teams.js';
import { storageSection } from './storage.js';
import { configSection } from './limits.js';
import { auditSection } from './audit.js';
import { authSection } from './auth.js';
import { usersSection } from './users.js';
import { pagingSection } from './paging.js';
import { samplesSection, scrapeSection } from './scrape.js';
import { statusPageSection } from './status-page.js';
import { reviewConfigSection } from './review.js';

/**
 * The whole `ops.yaml`: every section optional with defaults, so an empty file is a valid config,
 * and strict objects everywhere, so a misspelt key is reported rather than ignored.
 */
export const opsConfigSchema = z
  .strictObject({
    server: serverSection,
    storage: storageSection,
    users: usersSection,
    services: servicesSection,
    teams: teamsSection,
    checks: checksSection.describe('Probes run on a schedule (http, tcp, postgres, …).'),
    rules: rulesSection,
    rule_files: ruleFilesSection,
    severities: severitiesSection,
    escalation_policies: escalationPoliciesSection.describe('Who is paged, in which order, after how long.'),
    schedules: schedulesSection.describe('On-call rotations.'),
    channels: channelsSection,
    paging: pagingSection,
    integrations: integrationsSection,
    maintenance: maintenanceSection,
    silences: silencesSection,
    business_hours: businessHoursSection,
    runbooks: runbooksSection,
    procedures: proceduresSection,
    slos: slosSection,
    scrape: scrapeSection,
    samples: samplesSection,
    config: configSection,
    audit: auditSection,
    auth: authSection,
    status_page: statusPageSection,
    review: reviewConfigSection,
  })
  .describe('opsbook configuration (ops.yaml).');

/** The config as written (before defaults). */
export type OpsConfigInput = z.input<typeof opsConfigSchema>;
/** The config after validation: defaults filled, durations in milliseconds. */
export type OpsConfig = z.output<typeof opsConfigSchema>;

/** Top-level sections that hold one object; setting one in two files is an error. */
export const SINGLETON_SECTIONS = ['server', 'storage', 'config', 'audit', 'paging', 'auth', 'samples', 'status_page', 'review'] as const;

/** Top-level sections that are lists, and the field that identifies an entry in each. */
export const ID_FIELDS: Record<string, string> = {
  users: 'name',
  services: 'id',
  teams: 'id',
  checks: 'id',
  rules: 'id',
  severities: 'id',
  escalation_policies: 'id',
  schedules: 'id',
  channels: 'id',
  integrations: 'id',
  maintenance: 'id',
  silences: 'id',
  business_hours: 'id',
  slos: 'id',
  scrape: 'job',
};

/** Top-level sections keyed by name (merged key by key across files). */
export const KEYED_SECTIONS = ['procedures'] as const;

export { duration, id, labels, durationInfo, pushIssue, ISSUE_CODE_PARAM, DURATION_PATTERN, ID_PATTERN } from './common.js';
export type { DurationBounds } from './common.js';
export { DEFAULT_CONFIG_MAX_BYTES } from './limits.js';

export { alertmanagerPayload, eventsFromAlertmanager, runbookOf, severityFromLabel, type AlertmanagerPayload, type IngestDefaults } from './alertmanager.js';
export { alertFromEvent, eventDedupKey, eventPayload, eventRuleId, type EventPayload } from './events.js';
export { grafanaPayload, eventsFromGrafana, type GrafanaPayload } from './grafana.js';
export { eventsFromJson, readJsonPath, parseJsonPath } from './json-mapping.js';

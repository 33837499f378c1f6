export { alertmanagerPayload, eventsFromAlertmanager, runbookOf, severityFromLabel, type AlertmanagerPayload, type IngestDefaults } from './alertmanager.js';
export { alertFromEvent, eventDedupKey, eventPayload, eventRuleId, type EventPayload } from './events.js';

/** The public status page: public services, incidents people publish, honest daily bars, subscribers. */
export { StatusPage, PUBLIC_STATES, MAX_UPDATE_CHARS, MAX_TITLE_CHARS, AUTO_AUTHOR, type PublicState, type PublicService, type PublicIncident, type StatusPageHost } from './service.js';
export { dayState, incidentsPerDay, DAY_MS, type StatusDay, type DayState } from './days.js';
export { statusPageReferencesValidator } from './config-validator.js';

export { Operations, type OperationsEvent } from './operations.js';
export { incidentUrl, notificationIncident, policyFor } from './paging.js';

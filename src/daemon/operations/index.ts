export { Operations, type OperationsEvent } from './operations.js';
export type { OperationsHost } from './host.js';
export { incidentUrl, notificationIncident, policyFor } from './paging.js';
export { reviewDocument, reviewDraft, reviewTemplate, type ReviewDocument, type ReviewRunbooks } from './review-document.js';

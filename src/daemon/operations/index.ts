export { Operations, type OperationsEvent } from './operations.js';
export type { OperationsHost } from './host.js';
export { incidentUrl, notificationIncident, policyFor } from './paging.js';
export { reviewDocument, reviewDraft, type ReviewDocument } from './review-document.js';

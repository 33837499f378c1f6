import { reservedList } from './reserved.js';

/** Placeholder until its domain defines this section. */
export const channelsSection = reservedList.describe('Notification channels: webhook, Slack, email (reserved).');

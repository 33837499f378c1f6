import { reservedList } from './reserved.js';

/** Placeholder until its domain defines this section. */
export const severitiesSection = reservedList.describe('Severity levels and their response times (reserved).');

import { reservedList } from './reserved.js';

/** Placeholder until its domain defines this section. */
export const slosSection = reservedList.describe('Service level objectives (reserved).');

import { reservedList } from './reserved.js';

/** Placeholder until its domain defines this section. */
export const rulesSection = reservedList.describe('Alert rules over check results (reserved).');

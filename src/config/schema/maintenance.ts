import { reservedList } from './reserved.js';

/** Placeholder until its domain defines this section. */
export const maintenanceSection = reservedList.describe('Maintenance windows that silence alerts (reserved).');

import { reservedList } from './reserved.js';

/** Placeholder until the on-call domain defines this section. */
export const escalationPoliciesSection = reservedList;

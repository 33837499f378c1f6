export { buildServer } from './server.js';
export { STATUS_BY_KIND } from './errors.js';

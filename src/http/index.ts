export { apiRoutes, buildServer } from './server.js';
export type { RouteSpec, RouteTable } from './routes.js';
export { STATUS_BY_KIND } from './errors.js';

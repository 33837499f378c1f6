export { ROLES, roleAllows, systemActor, type Actor, type Role } from './roles.js';
export { findUser, resolveCliActor, type UserRecord } from './users.js';
export {
  authenticateToken,
  createToken,
  hashToken,
  listTokenInfo,
  revokeTokenById,
  TOKEN_PREFIX,
  type CreatedToken,
  type TokenDeps,
  type TokenInfo,
} from './tokens.js';
export { inServiceView, mayWriteFor, owningTeam, serviceView, teamsOf, type TeamRecord } from './teams.js';

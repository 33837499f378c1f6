/** Web UI sign-in: scrypt passwords, browser sessions with CSRF tokens, a login rate limit. */
export { burnCost, hashPassword, verifyPassword, checkPasswordStrength, DEFAULT_SCRYPT_COST, MIN_PASSWORD_LENGTH, type ScryptCost } from './passwords.js';
export { SessionManager, csrfTokenFor, csrfMatches, DEFAULT_SESSION_LIMITS, type Session, type SessionLimits } from './sessions.js';
export { LoginThrottle, DEFAULT_LOGIN_LIMITS, type LoginLimits, type ThrottleVerdict } from './rate-limit.js';
export { login, setUserPassword, type LoginAttempt, type LoginDeps, type LoginOutcome, type PasswordDeps } from './login.js';
export { webAuthFor, sessionCookieName, sessionCookieOptions, type WebAuth } from './web-auth.js';

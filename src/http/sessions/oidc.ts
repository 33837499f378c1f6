/**
 * OpenID Connect sign-in (authorization code flow with PKCE, state and nonce) through
 * `openid-client`. The person's groups decide the role: the highest role any of their groups maps
 * to in `auth.oidc.roles`; in none of them, sign-in is refused. A person whose email matches a
 * configured user signs in as that user (so schedules and pages find them); anyone else under the
 * name the provider gives.
 */
import type { OpsConfig } from '../../config/index.js';
import { ROLES, type Role, type UserRecord } from '../../identity/index.js';

type OidcConfig = NonNullable<OpsConfig['auth']['oidc']>;
type Client = typeof import('openid-client');

/** What the browser carries between the redirect out and the callback (a short-lived cookie). */
export interface PendingSignIn {
  state: string;
  nonce: string;
  verifier: string;
  next: string;
}

export const OIDC_COOKIE = 'opsbook_oidc';
export const OIDC_COOKIE_MAX_AGE_S = 600;
export const CALLBACK_PATH = '/login/oidc/callback';

export type SignInOutcome =
  | { ok: true; name: string; role: Role; groups: string[] }
  | { ok: false; reason: 'no_role'; name: string; groups: string[] };

interface Discovered {
  key: string;
  config: import('openid-client').Configuration;
}

let client: Promise<Client> | undefined;
let discovered: Discovered | undefined;

async function load(): Promise<Client> {
  client ??= import('openid-client');
  return client;
}

/** The provider's metadata, discovered once per issuer and client (and again after a config change). */
async function configuration(oidc: OidcConfig): Promise<import('openid-client').Configuration> {
  const key = JSON.stringify([oidc.issuer, oidc.client_id, oidc.client_secret]);
  if (discovered?.key === key) return discovered.config;
  const c = await load();
  const loopback = new URL(oidc.issuer).protocol === 'http:';
  const config = await c.discovery(new URL(oidc.issuer), oidc.client_id, undefined, c.ClientSecretBasic(oidc.client_secret), {
    timeout: 10,
    ...(loopback ? { execute: [c.allowInsecureRequests] } : {}),
  });
  discovered = { key, config };
  return config;
}

/** The URL to send the browser to, and what to remember until it comes back. */
export async function startSignIn(oidc: OidcConfig, publicUrl: string, next: string): Promise<{ url: string; pending: PendingSignIn }> {
  const c = await load();
  const config = await configuration(oidc);
  const pending: PendingSignIn = { state: c.randomState(), nonce: c.randomNonce(), verifier: c.randomPKCECodeVerifier(), next };
  const scopes = new Set(['openid', ...oidc.scopes]);
  const url = c.buildAuthorizationUrl(config, {
    redirect_uri: `${publicUrl}${CALLBACK_PATH}`,
    scope: [...scopes].join(' '),
    code_challenge: await c.calculatePKCECodeChallenge(pending.verifier),
    code_challenge_method: 'S256',
    state: pending.state,
    nonce: pending.nonce,
  });
  return { url: url.href, pending };
}

/** Completes the code flow for the callback URL the browser arrived at, and decides who and which role. */
export async function finishSignIn(oidc: OidcConfig, users: readonly (UserRecord & { email?: string })[], callbackUrl: URL, pending: PendingSignIn): Promise<SignInOutcome> {
  const c = await load();
  const config = await configuration(oidc);
  const tokens = await c.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier: pending.verifier, expectedState: pending.state, expectedNonce: pending.nonce, idTokenExpected: true });
  let claims: Record<string, unknown> = { ...tokens.claims() };
  if (claims[oidc.groups_claim] === undefined || claims.email === undefined) {
    const info = await c.fetchUserInfo(config, tokens.access_token, String(claims.sub));
    claims = { ...info, ...claims };
  }
  const groups = groupsOf(claims[oidc.groups_claim]);
  const name = personName(claims, oidc.username_claim, users);
  const role = roleFor(groups, oidc.roles);
  return role ? { ok: true, name, role, groups } : { ok: false, reason: 'no_role', name, groups };
}

function groupsOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((g): g is string => typeof g === 'string');
  if (typeof value === 'string') return value.split(/[\s,]+/).filter(Boolean);
  return [];
}

/** The highest role any of `groups` maps to, or undefined. */
export function roleFor(groups: readonly string[], mapping: Record<string, Role>): Role | undefined {
  let best: Role | undefined;
  for (const g of groups) {
    const role = mapping[g];
    if (role && (!best || ROLES.indexOf(role) > ROLES.indexOf(best))) best = role;
  }
  return best;
}

/** A configured user with the same email, else the provider's name for the person, made a valid opsbook name. */
function personName(claims: Record<string, unknown>, usernameClaim: string, users: readonly (UserRecord & { email?: string })[]): string {
  const email = typeof claims.email === 'string' ? claims.email.toLowerCase() : undefined;
  const known = email ? users.find((u) => u.email?.toLowerCase() === email) : undefined;
  if (known) return known.name;
  const raw = [claims[usernameClaim], email?.split('@')[0], claims.sub].find((v) => typeof v === 'string' && v.length > 0) as string;
  const cleaned = raw.toLowerCase().replace(/[^a-z0-9_.-]+/g, '-').replace(/^[^a-z0-9]+/, '').slice(0, 64);
  return cleaned || `sso-${String(claims.sub).slice(0, 20)}`;
}

import { z } from 'zod';
import { pushIssue } from './common.js';
import { ROLES } from './users.js';

const oidc = z
  .strictObject({
    issuer: z
      .url({ protocol: /^https?$/, error: 'must be the identity provider’s issuer URL (https://…)' })
      .describe('Issuer URL of the OpenID Connect provider; its /.well-known/openid-configuration is read at sign-in. Plain http is accepted only for a loopback issuer.'),
    client_id: z.string().min(1).describe('Client id registered with the provider.'),
    client_secret: z.string().min(1).describe('Client secret; use ${VAR} to keep it out of the file.'),
    scopes: z.array(z.string().min(1)).prefault(['openid', 'email', 'profile', 'groups']).describe('Scopes asked for; openid is always included.'),
    groups_claim: z.string().min(1).prefault('groups').describe('Claim (ID token, else userinfo) that lists the person’s groups.'),
    username_claim: z.string().min(1).prefault('preferred_username').describe('Claim that names the person when no configured user has their email.'),
    roles: z
      .record(z.string().min(1), z.enum(ROLES))
      .refine((m) => Object.keys(m).length > 0, { error: 'map at least one group to a role' })
      .describe('Group → role, e.g. {sre: responder, sre-leads: admin}. A person gets the highest role of their groups; in none of them, sign-in is refused.'),
    label: z.string().min(1).max(60).prefault('single sign-on').describe('Text of the sign-in button: "Sign in with LABEL".'),
  })
  .superRefine((o, ctx) => {
    const u = new URL(o.issuer);
    if (u.protocol === 'http:' && !['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)) {
      pushIssue(ctx, 'OPSBOOK_E_CONFIG_INVALID', 'must be https:// (plain http only for a loopback issuer)', o.issuer, ['issuer']);
    }
  });

/** `auth:` — how people sign in to the web UI besides their local password. */
export const authSection = z
  .strictObject({
    oidc: oidc.optional().describe('OpenID Connect single sign-on (authorization code flow with PKCE).'),
    passwords: z
      .boolean()
      .prefault(true)
      .describe('Whether local passwords sign in too. Keep them for small installs and for break-glass admins when the provider is down.'),
  })
  .prefault({})
  .describe('Web sign-in: local passwords and single sign-on.');

import { z } from 'zod';
import { id, labels, pushIssue } from './common.js';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `services:` — the systems opsbook watches; checks, runbooks and incidents point at them by id. */
export const servicesSection = z
  .array(
    z.strictObject({
      id: id().describe('Service id; checks and runbooks refer to it.'),
      name: z.string().min(1).optional().describe('Display name; defaults to the id.'),
      description: z.string().optional().describe('One line on what the service does, shown on the overview (`inline code` in backticks shows as code).'),
      labels: labels().describe('Labels copied onto its checks, alerts and incidents.'),
      base_url: z.url({ error: 'must be a URL such as https://api.example.com' }).optional().describe('Base URL; relative URLs in its checks and runbooks resolve against it. A `user:password@` in it is sent as Basic auth by runbook HTTP steps (masked in what they record).'),
      aliases: z
        .array(z.string().min(1))
        .default([])
        .describe('Host names that mean this service in runbook URLs (e.g. api.example.com).'),
      postgres: z
        .strictObject({
          url: z
            .string()
            .regex(/^postgres(ql)?:\/\//, { error: 'must be a postgres:// URL' })
            .describe('postgres:// URL runbook SQL steps connect with.'),
        })
        .optional()
        .describe('The service’s PostgreSQL database, for SQL steps and checks.'),
      redis: z
        .strictObject({
          url: z
            .string()
            .regex(/^rediss?:\/\//, { error: 'must be a redis:// or rediss:// URL' })
            .describe('redis:// URL runbook Redis steps connect with.'),
          key_prefix: z.string().min(1).optional().describe('Prefix put before every key a Redis step names (as ioredis keyPrefix), e.g. staging:.'),
        })
        .optional()
        .describe('The service’s Redis, for Redis steps and checks.'),
      shell: z
        .strictObject({
          cwd: z.string().optional().describe('Working directory for shell steps, relative to the config directory (default .opsbook/work/<service> beside the config).'),
          env: z
            .record(
              z.string().regex(ENV_NAME, { error: 'must be an environment variable name' }).meta({ title: 'NAME' }),
              z.string().describe('Value of the variable (${VAR} expands from opsbook’s environment).'),
            )
            .default({})
            .describe('Environment variables given to shell steps. Values of names like a credential (PGPASSWORD, API_KEY, *TOKEN*, *SECRET*, *_AUTH) and URL passwords are masked in everything recorded (docs/runbooks.md).'),
          allow: z
            .array(z.string().min(1))
            .optional()
            .describe('When set, the only program names shell steps may run (e.g. kubectl, jq); unset allows any installed program.'),
        })
        .optional()
        .describe('How runbook shell steps run for this service.'),
      http: z
        .strictObject({
          ca_file: z.string().min(1).optional().describe('PEM file of CAs runbook HTTP steps trust besides the system ones (a private CA in front of the service).'),
          hosts: z
            .array(
              z.strictObject({
                host: z.string().min(1).describe('A host of the runbook’s URLs, as written (`search:9200`, `api.example.com`): base_url’s host or one of aliases.'),
                headers: z
                  .record(z.string().min(1).meta({ title: 'NAME' }), z.string().describe('The header’s value (${VAR} expands from opsbook’s environment).'))
                  .default({})
                  .describe('Headers added to requests written for this host, e.g. credentials the runbook’s curl leaves out (`Authorization: Basic ${SEARCH_AUTH}`). Shown masked; credential headers (Authorization, Cookie, X-Api-Key …) are masked in recorded output too; a header the step sets itself wins.'),
              }),
            )
            .default([])
            .describe('What requests to one host of the runbook carry besides what the step writes.'),
        })
        .optional()
        .describe('How runbook HTTP (curl) steps reach this service: the CA to trust, credentials per host.'),
    }).superRefine((service, ctx) => {
      // A host the runbook's URLs cannot name would never get its headers: say so where it is written.
      const base = service.base_url ? new URL(service.base_url) : undefined;
      const known = new Set([...(base ? [base.host, base.hostname] : []), ...service.aliases].map((h) => h.toLowerCase()));
      service.http?.hosts.forEach((h, i) => {
        if (!known.has(h.host.toLowerCase())) pushIssue(ctx, 'OPSBOOK_E_CONFIG_INVALID', `is neither base_url's host nor one of aliases (${[...known].join(', ') || 'none'})`, h.host, ['http', 'hosts', i, 'host']);
      });
    }),
  )
  .default([])
  .describe('Services opsbook watches.');

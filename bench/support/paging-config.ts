import { randomBytes } from 'node:crypto';

/**
 * The paging part of a bench daemon's ops.yaml: the default ladder with grouping off for P1 (every
 * new dedup key opens its own incident; the grouping query still runs), and one signed webhook
 * channel at `url` paged at once by the default policy.
 */
export function webhookPagingYaml(url: string): string {
  return `severities:
  - { id: P1, response: 15m, group_within: 0s }
  - { id: P2, response: 1h }
  - { id: P3, response: 4h }
  - { id: P4, response: 24h }
channels:
  - id: hook
    kind: webhook
    url: ${url}
    secrets: ["whsec_${randomBytes(24).toString('base64')}"]
escalation_policies:
  - id: default
    steps:
      - targets: [{ channel: hook }]
        timeout: 1h
`;
}

import { z } from 'zod';
import type { CheckKindSchema } from '../../types.js';

export const mongodbOptions = z.object({
  url: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, { error: 'must be a mongodb:// or mongodb+srv:// URL' })
    .describe('mongodb:// connection string (credentials, authSource, replicaSet, directConnection as the driver reads them).'),
  server_status: z
    .boolean()
    .default(false)
    .describe('Run serverStatus (needs the clusterMonitor role): [CONNECTIONS_CURRENT], [CONNECTIONS_AVAILABLE], [VERSION], [SERVER_STATUS].<field> (default false).'),
  replica_set: z
    .boolean()
    .default(false)
    .describe('Run replSetGetStatus: [PRIMARY], [MEMBERS], [HEALTHY_MEMBERS], [SECONDARIES], [REPLICATION_LAG] (default false).'),
});
export type MongodbOptions = z.output<typeof mongodbOptions>;

const NEEDS: Record<string, 'server_status' | 'replica_set'> = {
  CONNECTIONS_CURRENT: 'server_status', CONNECTIONS_AVAILABLE: 'server_status', VERSION: 'server_status', SERVER_STATUS: 'server_status',
  REPLICA_SET: 'replica_set', MEMBERS: 'replica_set', PRIMARY: 'replica_set', HEALTHY_MEMBERS: 'replica_set',
  UNHEALTHY_MEMBERS: 'replica_set', SECONDARIES: 'replica_set', REPLICATION_LAG: 'replica_set',
};

/** A condition naming a placeholder whose command is switched off would never hold: say so at load. */
function validate(config: MongodbOptions & { conditions?: string[]; warning?: string[]; critical?: string[] }): string | undefined {
  const texts = [...(config.conditions ?? []), ...(config.warning ?? []), ...(config.critical ?? [])];
  for (const text of texts) {
    for (const m of text.matchAll(/\[([A-Z_]+)[\]:.]/g)) {
      const option = NEEDS[m[1]!];
      if (option && !config[option]) return `[${m[1]}] in "${text}" needs ${option}: true`;
    }
  }
  return undefined;
}

/** What validating a mongodb check reads: its options, placeholders and default conditions (its probe is index.ts). */
export const mongodbSchema: CheckKindSchema<MongodbOptions> = {
  kind: 'mongodb',
  options: mongodbOptions,
  validate,
  placeholders: ['CONNECTED', 'RESPONSE_TIME', 'WRITABLE_PRIMARY', ...Object.keys(NEEDS)],
  defaultConditions: () => ['[CONNECTED] == true'],
};

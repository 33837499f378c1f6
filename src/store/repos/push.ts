import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../database.js';
import type { PushSubscriptionsTable } from '../tables/push.js';

type Db = Kysely<Database> | Transaction<Database>;
export type PushSubscriptionRow = PushSubscriptionsTable;

/** Saves a browser's subscription for a person (the endpoint is unique: a browser re-subscribing replaces its row). */
export async function savePushSubscription(db: Db, row: PushSubscriptionRow): Promise<void> {
  await db
    .insertInto('push_subscriptions')
    .values(row)
    .onConflict((oc) => oc.column('endpoint').doUpdateSet({ user_name: row.user_name, p256dh: row.p256dh, auth: row.auth, created_at: row.created_at }))
    .execute();
}

export async function pushSubscriptionsOf(db: Db, user: string): Promise<PushSubscriptionRow[]> {
  return db.selectFrom('push_subscriptions').selectAll().where('user_name', '=', user).orderBy('created_at').execute();
}

export async function deletePushSubscription(db: Db, endpoint: string, user: string): Promise<boolean> {
  const r = await db.deleteFrom('push_subscriptions').where('endpoint', '=', endpoint).where('user_name', '=', user).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** A browser's Web Push subscription (RFC 8030 endpoint and RFC 8291 keys) for a person. */
export interface PushSubscriptionsTable {
  endpoint: string;
  user_name: string;
  /** The browser's P-256 public key, base64url. */
  p256dh: string;
  /** The 16-byte auth secret, base64url. */
  auth: string;
  created_at: number;
}

export interface PushTables {
  push_subscriptions: PushSubscriptionsTable;
}

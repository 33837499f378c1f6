import crypto from 'node:crypto';

/**
 * The request signature a Twilio-compatible provider sends as `X-Twilio-Signature`: base64 of
 * HMAC-SHA1, keyed with the auth token, over the full callback URL followed by every POST
 * parameter's name and value, sorted by name.
 */
export function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, k) => acc + k + params[k], url);
  return crypto.createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/** Whether `given` is the signature of this request (compared in constant time). */
export function verifyTwilioSignature(authToken: string, url: string, params: Record<string, string>, given: string | undefined): boolean {
  if (!given) return false;
  const want = Buffer.from(twilioSignature(authToken, url, params));
  const got = Buffer.from(given);
  return want.length === got.length && crypto.timingSafeEqual(want, got);
}

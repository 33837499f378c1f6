import https from 'node:https';

/**
 * An agent trusting `ca` besides the system CAs (services[].http.ca_file), for one step's requests;
 * exchange.ts sends through it.
 */
export function caAgent(ca: Buffer): https.Agent {
  return new https.Agent({ ca, keepAlive: false });
}

import https from 'node:https';
import type { Exchange, ExchangeInit } from './follow.js';

/** An agent trusting `ca` besides the system CAs (services[].http.ca_file), for one step's requests. */
export function caAgent(ca: Buffer): https.Agent {
  return new https.Agent({ ca, keepAlive: false });
}

/**
 * One HTTPS exchange through an agent trusting a private CA: Node's fetch takes no CA of its own, so
 * a service behind a private CA is reached with node:https. Redirects are followed by follow.ts.
 */
export function requestWithCa(url: URL, init: ExchangeInit, agent: https.Agent): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = Object.fromEntries(init.headers);
    if (init.body !== undefined) headers['content-length'] = String(Buffer.byteLength(init.body));
    const req = https.request(url, { method: init.method, headers, agent, signal: init.signal }, (res) => {
      const pairs: [string, string][] = [];
      for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) pairs.push([res.rawHeaders[i]!.toLowerCase(), res.rawHeaders[i + 1]!]);
      resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: pairs, body: res });
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

import http from 'node:http';
import https from 'node:https';
import type { Exchange, ExchangeInit } from './follow.js';

/**
 * One exchange of an HTTP step, sent with node:http(s) as curl would send it: to any port (Node's
 * fetch refuses the ports browsers block, 4190, 6000, 6665–6669, 10080 and the like, where a
 * service the checks reach may well listen); accepting any type, as curl does, and with a user
 * agent of opsbook's unless the step gives its own; no `Accept-Encoding` (curl asks for none
 * without --compressed, so the body comes as the service writes it). `agent`: an HTTPS agent
 * trusting a private CA (services[].http.ca_file). Redirects are followed by follow.ts.
 */
export function exchange(url: URL, init: ExchangeInit, agent?: https.Agent): Promise<Exchange> {
  const client = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
  if (!client) return Promise.reject(new Error(`unsupported protocol ${url.protocol} (http: or https: only)`));
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { accept: '*/*', 'user-agent': 'opsbook' };
    for (const [name, value] of init.headers) {
      const own = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
      if (own !== undefined) delete headers[own];
      headers[name] = value;
    }
    if (init.body !== undefined) headers['content-length'] = String(Buffer.byteLength(init.body));
    const req = client.request(url, { method: init.method, headers, signal: init.signal, ...(agent !== undefined && client === https ? { agent } : {}) }, (res) => {
      const pairs: [string, string][] = [];
      for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) pairs.push([res.rawHeaders[i]!.toLowerCase(), res.rawHeaders[i + 1]!]);
      resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: pairs, body: res });
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

import https from 'node:https';

/** What a request answered: status, headers as pairs, and the body as it arrives. */
export interface CaResponse {
  status: number;
  statusText: string;
  headers: [string, string][];
  body: AsyncIterable<Buffer>;
}

/**
 * One HTTPS request trusting `ca` besides the system CAs (services[].http.ca_file): Node's fetch
 * takes no CA of its own, so a service behind a private CA is reached with node:https. Redirects are
 * followed (at most 5, as curl -L's default is 50 but a runbook step needs few) when asked.
 */
export async function requestWithCa(
  url: string,
  init: { method: string; headers: [string, string][]; body?: string; followRedirects: boolean; signal: AbortSignal },
  ca: Buffer,
): Promise<CaResponse> {
  const agent = new https.Agent({ ca, keepAlive: false });
  try {
    let target = new URL(url);
    for (let hop = 0; ; hop++) {
      const res = await once(target, init, agent);
      const location = res.headers.find(([k]) => k === 'location')?.[1];
      if (!init.followRedirects || !location || res.status < 300 || res.status >= 400 || hop >= 5) return res;
      for await (const _ of res.body); // the redirect's own body, read to free its socket
      target = new URL(location, target);
      if (target.protocol !== 'https:') return res;
    }
  } finally {
    agent.destroy();
  }
}

function once(url: URL, init: { method: string; headers: [string, string][]; body?: string; signal: AbortSignal }, agent: https.Agent): Promise<CaResponse> {
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

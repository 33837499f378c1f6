import http from 'node:http';
import https from 'node:https';

export interface TextRequest {
  method: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

export interface TextAnswer {
  status: number;
  ok: boolean;
  text: string;
}

/**
 * One HTTP exchange through node:http(s), its answer read whole as text. Not fetch: Node's fetch
 * refuses the ports browsers block (4190, 6000, 6665–6669, 10080, …), where an opsbook daemon or a
 * dead-man receiver may well listen; curl and opsbook's checks reach any port.
 */
export function requestText(target: string, init: TextRequest): Promise<TextAnswer> {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return Promise.reject(new Error(`not a URL: ${target}`));
  }
  const client = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
  if (!client) return Promise.reject(new Error(`unsupported protocol ${url.protocol} (http: or https: only)`));
  const headers = { ...init.headers, ...(init.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(init.body)) }) };
  return new Promise((resolve, reject) => {
    const req = client.request(url, { method: init.method, headers, ...(init.signal ? { signal: init.signal } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        resolve({ status, ok: status >= 200 && status < 300, text: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

/**
 * Loopback stand-ins for the paging providers that check what the real ones check: a
 * Twilio-compatible REST API (basic auth, account path, form fields) and an ntfy server (topic
 * path, bearer token, headers). Each records what it accepted and refuses what a provider would.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProviderRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  form: Record<string, string>;
  body: string;
}

export interface Provider {
  url: string;
  accepted: ProviderRequest[];
  refused: string[];
  close(): Promise<void>;
}

let counter = 0;

async function serve(handle: (r: ProviderRequest) => { status: number; body: string; refusal?: string }): Promise<Provider> {
  const accepted: ProviderRequest[] = [];
  const refused: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const form = (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded') ? Object.fromEntries(new URLSearchParams(body)) : {};
      const r: ProviderRequest = { path: req.url ?? '', headers: req.headers, form, body };
      const answer = handle(r);
      if (answer.refusal) refused.push(answer.refusal);
      else accepted.push(r);
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    accepted,
    refused,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A Twilio-compatible API for one account: basic auth with SID and token, To/From and Body or Twiml. */
export function twilioStandIn(sid: string, token: string): Promise<Provider> {
  return serve((r) => {
    const refuse = (status: number, refusal: string) => ({ status, body: JSON.stringify({ message: refusal }), refusal });
    if (r.headers.authorization !== `Basic ${Buffer.from(`${sid}:${token}`).toString('base64')}`) return refuse(401, 'bad basic auth');
    const m = /^\/2010-04-01\/Accounts\/([^/]+)\/(Messages|Calls)\.json$/.exec(r.path);
    if (!m || m[1] !== sid) return refuse(404, `no such resource ${r.path}`);
    if (!/^\+\d{6,15}$/.test(r.form.To ?? '') || !/^\+\d{6,15}$/.test(r.form.From ?? '')) return refuse(400, 'To and From must be E.164 numbers');
    if (m[2] === 'Messages' && !r.form.Body) return refuse(400, 'Body is required');
    if (m[2] === 'Calls' && !r.form.Twiml?.startsWith('<Response>')) return refuse(400, 'Twiml (or Url) is required');
    return { status: 201, body: JSON.stringify({ sid: `${m[2] === 'Calls' ? 'CA' : 'SM'}${++counter}`, status: 'queued' }) };
  });
}


/** An ntfy server: POST /{topic} with a bearer token when one is set; the message in the body. */
export function ntfyStandIn(token?: string): Promise<Provider> {
  return serve((r) => {
    if (token && r.headers.authorization !== `Bearer ${token}`) return { status: 401, body: '{"code":40101,"error":"unauthorized"}', refusal: 'bad token' };
    if (!/^\/[-_A-Za-z0-9]{1,64}$/.test(r.path)) return { status: 404, body: '{"code":40401}', refusal: `bad topic ${r.path}` };
    const priority = Number(r.headers.priority ?? 3);
    if (!(priority >= 1 && priority <= 5)) return { status: 400, body: '{"code":40007}', refusal: 'bad priority' };
    return { status: 200, body: JSON.stringify({ id: `n${++counter}`, topic: r.path.slice(1), event: 'message' }) };
  });
}

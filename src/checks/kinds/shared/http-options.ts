import { z } from 'zod';

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** Options every HTTP-based kind (http, json, metrics) shares. */
export const httpRequestOptions = {
  url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).describe('URL to request.'),
  method: z.enum(HTTP_METHODS).default('GET').describe('HTTP method (default GET).'),
  headers: z.record(z.string(), z.string()).default({}).describe('Request headers.'),
  body: z.string().optional().describe('Request body.'),
  follow_redirects: z.boolean().default(true).describe('Follow 3xx redirects (default true).'),
  max_redirects: z.int().min(0).max(20).default(5).describe('Most redirects followed (default 5).'),
  max_body: z.int().min(0).max(50_000_000).default(1_000_000).describe('Bytes of body kept for conditions (default 1 MB).'),
  tls: z
    .strictObject({
      insecure: z.boolean().default(false).describe('Accept any certificate (expiry is still measured).'),
      ca_file: z.string().optional().describe('PEM file of CAs to trust besides Node’s own CA store; read again when the file is replaced.'),
    })
    .optional()
    .describe('TLS settings for https:// URLs.'),
  connection: z
    .enum(['new', 'reuse'])
    .default('new')
    .describe('new: a fresh connection per run (default, as blackbox_exporter and Kubernetes probes); reuse: a pooled keep-alive connection, cheaper, but a run can race the server closing an idle connection.'),
};

export const httpOptions = z.object(httpRequestOptions);
export type HttpOptions = z.output<typeof httpOptions>;

export const HTTP_PLACEHOLDERS = [
  'STATUS', 'RESPONSE_TIME', 'DNS_TIME', 'CONNECT_TIME', 'TLS_TIME', 'TTFB', 'BODY', 'HEADERS', 'CERTIFICATE_EXPIRATION', 'CONNECTED', 'URL', 'REDIRECTS',
] as const;

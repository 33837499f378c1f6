import fs from 'node:fs';
import { isIP } from 'node:net';
import tls from 'node:tls';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import type { CheckKind, Observation } from '../../types.js';
import { errorText } from '../shared/observe-http.js';

export const tlsOptions = z.object({
  host: z.string().min(1).describe('Host to connect to.'),
  port: z.int().min(1).max(65535).default(443).describe('Port (default 443).'),
  servername: z.string().optional().describe('Name sent in SNI and matched against the certificate (default host).'),
  ca_file: z.string().optional().describe('PEM file of CAs to trust for [CHAIN_VALID].'),
});
export type TlsOptions = z.output<typeof tlsOptions>;

/**
 * A TLS handshake that reads the leaf certificate: time to expiry, whether it names the host, and
 * whether the chain verifies. The handshake never fails on a bad certificate, so expiry is measured
 * even for an expired or self-signed one.
 */
export const tlsKind: CheckKind<TlsOptions> = {
  kind: 'tls',
  options: tlsOptions,
  placeholders: ['CONNECTED', 'CERTIFICATE_EXPIRATION', 'DAYS_TO_EXPIRY', 'HOSTNAME_MATCH', 'CHAIN_VALID', 'ISSUER', 'SUBJECT', 'RESPONSE_TIME'],
  defaultConditions: () => ['[CONNECTED] == true', '[HOSTNAME_MATCH] == true', '[CERTIFICATE_EXPIRATION] > 0'],
  run: (config, ctx) =>
    new Promise<Observation>((resolve) => {
      const started = performance.now();
      const servername = config.servername ?? config.host;
      const socket = tls.connect({
        host: config.host,
        port: config.port,
        // SNI carries names only, never addresses.
        ...(isIP(servername) ? {} : { servername }),
        rejectUnauthorized: false,
        ...(config.ca_file ? { ca: fs.readFileSync(config.ca_file) } : {}),
      });
      const onAbort = (): void => {
        socket.destroy();
        resolve({ values: { CONNECTED: false }, error: 'aborted' });
      };
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      socket.once('secureConnect', () => {
        ctx.signal.removeEventListener('abort', onAbort);
        const cert = socket.getPeerCertificate();
        const notAfter = Date.parse(cert.valid_to);
        const expiresIn = notAfter - ctx.clock.now();
        const mismatch = tls.checkServerIdentity(servername, cert);
        socket.destroy();
        resolve({
          values: {
            CONNECTED: true,
            CERTIFICATE_EXPIRATION: expiresIn,
            DAYS_TO_EXPIRY: Math.floor(expiresIn / 86_400_000),
            HOSTNAME_MATCH: mismatch === undefined,
            CHAIN_VALID: socket.authorized,
            ISSUER: cert.issuer?.CN ?? '',
            SUBJECT: cert.subject?.CN ?? '',
            RESPONSE_TIME: Math.round(performance.now() - started),
          },
          value: Math.floor(expiresIn / 86_400_000),
        });
      });
      socket.once('error', (e) => {
        ctx.signal.removeEventListener('abort', onAbort);
        socket.destroy();
        resolve({ values: { CONNECTED: false }, error: errorText(e) });
      });
    }),
};

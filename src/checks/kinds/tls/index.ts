import { isIP } from 'node:net';
import tls from 'node:tls';
import { performance } from 'node:perf_hooks';
import type { CheckKind, Observation } from '../../types.js';
import { caContext } from '../shared/ca-context.js';
import { errorText } from '../shared/observe-http.js';
import { tlsSchema, type TlsOptions } from './schema.js';

/**
 * A TLS handshake that reads the leaf certificate: time to expiry, whether it names the host, and
 * whether the chain verifies. The handshake never fails on a bad certificate, so expiry is measured
 * even for an expired or self-signed one.
 */
export const tlsKind: CheckKind<TlsOptions> = {
  ...tlsSchema,
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
        ...(config.ca_file ? { secureContext: caContext(config.ca_file, false) } : {}),
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

import fs from 'node:fs';
import { isIP } from 'node:net';
import net from 'node:net';
import tls from 'node:tls';
import { performance } from 'node:perf_hooks';
import type { CheckKind, Observation } from '../../types.js';
import { errorText } from '../shared/observe-http.js';
import { SmtpSession, type SmtpReply } from './session.js';
import { smtpSchema, type SmtpOptions } from './schema.js';

function ehloExtensions(reply: SmtpReply): Record<string, string> {
  // The first line greets; each further line is a keyword with optional parameters (SIZE 10240000).
  return Object.fromEntries(
    reply.lines.slice(1).map((line) => {
      const [keyword, ...params] = line.trim().split(/\s+/);
      return [keyword!.toUpperCase(), params.join(' ')];
    }),
  );
}

function connect(config: SmtpOptions, tlsOptions: tls.ConnectionOptions, signal: AbortSignal): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket =
      config.tls === 'implicit'
        ? tls.connect({ host: config.host, port: config.port, ...tlsOptions })
        : net.connect({ host: config.host, port: config.port });
    // A peer that accepts and never completes the handshake must not keep the socket past the timeout.
    const onAbort = (): void => {
      socket.destroy();
      reject(new Error('aborted'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const onError = (e: Error): void => {
      signal.removeEventListener('abort', onAbort);
      reject(e);
    };
    socket.once(config.tls === 'implicit' ? 'secureConnect' : 'connect', () => {
      signal.removeEventListener('abort', onAbort);
      socket.off('error', onError);
      resolve(socket);
    });
    socket.once('error', onError);
  });
}

/**
 * Speaks SMTP as a sending server would: reads the banner, says EHLO, upgrades with STARTTLS when
 * asked, reads the certificate, and says QUIT — no mail is sent. The handshake never fails on a bad
 * certificate, so expiry is measured even for an expired or self-signed one.
 */
export const smtpKind: CheckKind<SmtpOptions> = {
  ...smtpSchema,
  run: async (config, ctx): Promise<Observation> => {
    const started = performance.now();
    const servername = config.servername ?? config.host;
    const tlsOptions: tls.ConnectionOptions = {
      // SNI carries names only, never addresses.
      ...(isIP(servername) ? {} : { servername }),
      rejectUnauthorized: false,
      ...(config.ca_file ? { ca: fs.readFileSync(config.ca_file) } : {}),
    };
    const values: Observation['values'] = { CONNECTED: false, TLS: false };
    let session: SmtpSession | undefined;
    const onAbort = (): void => session?.close();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    try {
      session = new SmtpSession(await connect(config, tlsOptions, ctx.signal));
      values.CONNECTED = true;
      const banner = await session.read();
      values.CODE = banner.code;
      values.BANNER = banner.lines.join('\n');
      if (banner.code !== 220) return { values, error: `banner ${banner.code} ${values.BANNER as string}` };
      let ehlo = await session.command(`EHLO ${config.ehlo_name}`);
      values.EHLO = ehlo.code === 250;
      if (ehlo.code !== 250) return { values, error: `EHLO answered ${ehlo.code} ${ehlo.lines.join(' ')}` };
      values.EXTENSIONS = ehloExtensions(ehlo);
      if (config.tls === 'starttls' && 'STARTTLS' in (values.EXTENSIONS as object)) {
        const ready = await session.command('STARTTLS');
        if (ready.code !== 220) return { values, error: `STARTTLS answered ${ready.code} ${ready.lines.join(' ')}` };
        await session.upgrade(tlsOptions);
        // What a server offers changes after TLS (AUTH often appears only then), so ask again.
        ehlo = await session.command(`EHLO ${config.ehlo_name}`);
        values.EHLO = ehlo.code === 250;
        values.EXTENSIONS = ehloExtensions(ehlo);
      }
      let value: number | undefined;
      if (session.socket instanceof tls.TLSSocket) {
        const socket = session.socket;
        const cert = socket.getPeerCertificate();
        const expiresIn = Date.parse(cert.valid_to) - ctx.clock.now();
        value = Math.floor(expiresIn / 86_400_000);
        Object.assign(values, {
          TLS: true,
          CERTIFICATE_EXPIRATION: expiresIn,
          DAYS_TO_EXPIRY: value,
          HOSTNAME_MATCH: tls.checkServerIdentity(servername, cert) === undefined,
          CHAIN_VALID: socket.authorized,
          ISSUER: cert.issuer?.CN ?? '',
          SUBJECT: cert.subject?.CN ?? '',
        });
      }
      await session.command('QUIT').catch(() => undefined);
      values.RESPONSE_TIME = Math.round(performance.now() - started);
      return { values, ...(value !== undefined ? { value } : {}) };
    } catch (e) {
      return { values, error: errorText(e) };
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
      session?.close();
    }
  },
};

import fs from 'node:fs';
import tls from 'node:tls';

/** Per CA file (and whether Node's own CAs are added): the context made, and the file's size and time when it was read. */
const contexts = new Map<string, { mtimeMs: number; size: number; context: tls.SecureContext }>();

/**
 * A TLS context trusting a CA file's certificates (with `withRoots`, Node's own CA store besides),
 * parsed once and kept while the file stays as it was: given as `ca`, every handshake would read and
 * parse the file into a new context. A file replaced (a CA rotated) is read again at the next run,
 * so a probe never goes on trusting the old CA, nor refuses the new one, until a restart.
 */
export function caContext(file: string, withRoots: boolean): tls.SecureContext {
  const { mtimeMs, size } = fs.statSync(file);
  const key = `${withRoots ? 'roots+' : ''}${file}`;
  const held = contexts.get(key);
  if (held && held.mtimeMs === mtimeMs && held.size === size) return held.context;
  const pem = fs.readFileSync(file, 'utf8');
  const context = tls.createSecureContext({ ca: withRoots ? [...tls.rootCertificates, pem] : pem });
  contexts.set(key, { mtimeMs, size, context });
  return context;
}

import fs from 'node:fs';
import tls from 'node:tls';

/** A CA file as it was read: its size and modification time. */
export interface CaStamp {
  readonly mtimeMs: number;
  readonly size: number;
}

/** The CA file's size and time now (throws as statSync does when it is gone). */
export function caStamp(file: string): CaStamp {
  const st = fs.statSync(file);
  return { mtimeMs: st.mtimeMs, size: st.size };
}

export function sameStamp(a: CaStamp | undefined, b: CaStamp | undefined): boolean {
  return a !== undefined && b !== undefined && a.mtimeMs === b.mtimeMs && a.size === b.size;
}

const contexts = new Map<string, { stamp: CaStamp; context: tls.SecureContext }>();

/**
 * A TLS context trusting a CA file's certificates (with `withRoots`, Node's own CA store besides),
 * parsed once and kept while the file stays as it was: given as `ca`, every handshake would read and
 * parse the file into a new context. A file replaced (a CA rotated) is read again at the next run,
 * so a probe never goes on trusting the old CA, nor refuses the new one, until a restart.
 */
export function caContext(file: string, withRoots: boolean): { stamp: CaStamp; context: tls.SecureContext } {
  const stamp = caStamp(file);
  const key = `${withRoots ? 'roots+' : ''}${file}`;
  const held = contexts.get(key);
  if (held && sameStamp(held.stamp, stamp)) return held;
  const pem = fs.readFileSync(file, 'utf8');
  const made = { stamp, context: tls.createSecureContext({ ca: withRoots ? [...tls.rootCertificates, pem] : pem }) };
  contexts.set(key, made);
  return made;
}

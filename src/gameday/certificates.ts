import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { OpsbookError } from '../lib/errors/index.js';

const run = promisify(execFile);

export interface CertificatePair {
  cert: string;
  key: string;
}

export interface GameDayCertificates {
  healthy: CertificatePair;
  /** Valid now, expiring in 10 days. */
  expiring: CertificatePair;
  /** Both certificates, so a check trusts whichever the stand-in serves. */
  caFile: string;
}

/** Self-signed certificates for 127.0.0.1 made with openssl: one for a year, one for 10 days. */
export async function makeCertificates(dir: string): Promise<GameDayCertificates> {
  const make = async (name: string, days: number): Promise<CertificatePair> => {
    const cert = join(dir, `${name}.crt`);
    const key = join(dir, `${name}.key`);
    try {
      await run('openssl', [
        'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', String(days),
        '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-keyout', key, '-out', cert,
      ], { timeout: 30_000 });
    } catch (e) {
      throw new OpsbookError('OPSBOOK_E_GAMEDAY_WORLD', `openssl could not make a certificate: ${(e as Error).message}`);
    }
    return { cert, key };
  };
  const healthy = await make('healthy', 365);
  const expiring = await make('expiring', 10);
  const caFile = join(dir, 'ca.pem');
  await writeFile(caFile, (await readFile(healthy.cert, 'utf8')) + (await readFile(expiring.cert, 'utf8')));
  return { healthy, expiring, caFile };
}

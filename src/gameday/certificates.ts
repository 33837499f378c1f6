import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { OpsbookError } from '../lib/errors/index.js';

const run = promisify(execFile);
const DAY = 86_400_000;

export interface CertificatePair {
  cert: string;
  key: string;
}

export interface GameDayCertificates {
  healthy: CertificatePair;
  /** Valid now, expiring in 10 days. */
  expiring: CertificatePair;
  /** The world's certificate authority, which signs every certificate: what a check trusts. */
  caFile: string;
  /** A certificate for 127.0.0.1 valid from `notBefore` to `notAfter` (real dates), signed by the world's CA. */
  issue(name: string, notBefore: number, notAfter: number): Promise<CertificatePair>;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, { timeout: 30_000, cwd });
  } catch (e) {
    const err = e as Error & { stderr?: string };
    throw new OpsbookError('OPSBOOK_E_GAMEDAY_WORLD', `openssl could not make a certificate: ${(err.stderr || err.message).trim().split('\n').slice(-2).join(' ')}`);
  }
}

/** openssl ca's date form, YYYYMMDDHHMMSSZ. */
function asn1Time(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z');
}

/**
 * A certificate authority for one world made with openssl (EC keys: fast), and certificates for
 * 127.0.0.1 it signs with any validity, past ones included: `openssl ca -startdate/-enddate` gives
 * what `-days` cannot, a certificate that has already expired. `now` is the game day's clock.
 */
export async function makeCertificates(dir: string, now: number = Date.now()): Promise<GameDayCertificates> {
  const ca = join(dir, 'ca');
  await mkdir(join(ca, 'issued'), { recursive: true });
  await writeFile(join(ca, 'index.txt'), '');
  await writeFile(join(ca, 'serial'), '1000\n');
  await writeFile(join(ca, 'ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n');
  await writeFile(join(ca, 'ca.cnf'), [
    '[ca]', 'default_ca = world', '[world]', 'database = index.txt', 'new_certs_dir = issued', 'serial = serial',
    'default_md = sha256', 'policy = any', 'unique_subject = no', '[any]', 'commonName = supplied', '',
  ].join('\n'));
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await openssl(['req', '-x509', ...ec, '-sha256', '-days', '3650', '-subj', '/CN=opsbook game-day CA', '-keyout', 'ca.key', '-out', 'ca.crt'], ca);
  // One server key for every certificate: a renewal swaps the certificate, the key may stay.
  await openssl(['req', ...ec, '-subj', '/CN=127.0.0.1', '-keyout', 'server.key', '-out', 'server.csr'], ca);
  let issuing: Promise<unknown> = Promise.resolve();
  const issue = async (name: string, notBefore: number, notAfter: number): Promise<CertificatePair> => {
    const cert = join(dir, `${name}.crt`);
    // openssl ca keeps a database: one signing at a time.
    const done = issuing.then(() =>
      openssl(['ca', '-batch', '-config', 'ca.cnf', '-cert', 'ca.crt', '-keyfile', 'ca.key', '-in', 'server.csr', '-out', cert,
        '-startdate', asn1Time(notBefore), '-enddate', asn1Time(notAfter), '-extfile', 'ext', '-notext'], ca));
    issuing = done.catch(() => {});
    await done;
    return { cert, key: join(ca, 'server.key') };
  };
  const healthy = await issue('healthy', now - DAY, now + 365 * DAY);
  const expiring = await issue('expiring', now - DAY, now + 10 * DAY);
  return { healthy, expiring, caFile: join(ca, 'ca.crt'), issue };
}

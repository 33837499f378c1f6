/**
 * Loopback stand-ins for kube-state-metrics (behind kube-rbac-proxy), OpenSearch (security plugin)
 * and MinIO: they serve the replies in test/fixtures/exporters/ behind the authentication each
 * product asks for, so a check with a wrong credential fails the way it would in production.
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { makeCertificate, type TestCertificate } from '../../src/checks/testing/index.js';

const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures', 'exporters');
const fixture = (name: string): string => fs.readFileSync(path.join(FIXTURES, name), 'utf8');

export const CREDENTIALS = {
  ksmToken: 'eyJhbGciOiJSUzI1NiJ9.ksm-reader',
  opensearchUser: 'monitor',
  opensearchPassword: 'S3arch-monitor!',
  minioToken: 'eyJhbGciOiJIUzUxMiJ9.minio-prometheus',
};

/** What each stand-in answers now; tests switch these between runs. */
export interface PeerState {
  ksm: 'healthy' | 'incident';
  opensearch: 'green' | 'yellow' | 'red';
  minioQuorum: boolean;
  minioCapacity: 'ok' | 'full';
}

export interface ExporterPeers {
  state: PeerState;
  ksmUrl: string;
  caFile: string;
  opensearchUrl: string;
  minioUrl: string;
  close(): Promise<void>;
}

const PROM = 'text/plain; version=0.0.4; charset=utf-8';

function ksm(state: PeerState): http.RequestListener {
  return (req, res) => {
    // kube-rbac-proxy: a TokenReview of the bearer token, then a SubjectAccessReview; either failing is 401.
    if (req.headers.authorization !== `Bearer ${CREDENTIALS.ksmToken}`) {
      return void res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8' }).end('Unauthorized\n');
    }
    if (req.url !== '/metrics') return void res.writeHead(404).end('404 page not found\n');
    res.writeHead(200, { 'content-type': PROM }).end(fixture(`ksm-${state.ksm}.prom`));
  };
}

function opensearch(state: PeerState): http.RequestListener {
  const basic = `Basic ${Buffer.from(`${CREDENTIALS.opensearchUser}:${CREDENTIALS.opensearchPassword}`).toString('base64')}`;
  return (req, res) => {
    if (req.headers.authorization !== basic) {
      return void res.writeHead(401, { 'www-authenticate': 'Basic realm="OpenSearch Security"', 'content-type': 'text/plain; charset=UTF-8' }).end('Unauthorized');
    }
    if (req.url !== '/_cluster/health') return void res.writeHead(404, { 'content-type': 'application/json; charset=UTF-8' }).end('{"error":"no handler found","status":404}');
    // The cluster's colour is in the body; the status line is 200 whatever it is.
    res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' }).end(fixture(`opensearch-${state.opensearch}.json`));
  };
}

function minio(state: PeerState): http.RequestListener {
  return (req, res) => {
    const headers = { server: 'MinIO', 'x-content-type-options': 'nosniff', 'x-amz-request-id': '17C2B8C9E1A3F0D2' };
    if (req.url === '/minio/health/live') return void res.writeHead(200, headers).end();
    if (req.url === '/minio/health/cluster') {
      return void res.writeHead(state.minioQuorum ? 200 : 503, { ...headers, ...(state.minioQuorum ? { 'x-minio-write-quorum': '3' } : {}) }).end();
    }
    if (req.url === '/minio/v2/metrics/cluster') {
      if (req.headers.authorization !== `Bearer ${CREDENTIALS.minioToken}`) return void res.writeHead(403, headers).end();
      return void res.writeHead(200, { ...headers, 'content-type': PROM }).end(fixture(`minio-cluster-${state.minioCapacity}.prom`));
    }
    res.writeHead(404, headers).end();
  };
}

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

export async function startExporterPeers(): Promise<ExporterPeers> {
  const state: PeerState = { ksm: 'healthy', opensearch: 'green', minioQuorum: true, minioCapacity: 'ok' };
  const cert: TestCertificate = makeCertificate(30);
  const ksmServer = https.createServer({ key: fs.readFileSync(cert.key), cert: fs.readFileSync(cert.cert) }, ksm(state));
  const osServer = http.createServer(opensearch(state));
  const minioServer = http.createServer(minio(state));
  const [k, o, m] = [await listen(ksmServer), await listen(osServer), await listen(minioServer)];
  return {
    state,
    ksmUrl: `https://127.0.0.1:${k}`,
    caFile: cert.cert,
    opensearchUrl: `http://127.0.0.1:${o}`,
    minioUrl: `http://127.0.0.1:${m}`,
    close: async () => {
      for (const s of [ksmServer, osServer, minioServer]) {
        s.closeAllConnections();
        await new Promise((r) => s.close(r));
      }
      cert.cleanup();
    },
  };
}

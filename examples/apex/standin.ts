/**
 * SIGN X / APEX (seed 004) stand-in: HTTPS `/health`, `/ready` and `/metrics` with the database
 * pool gauge `apex_pg_pool_used` and `http_requests_total`, the Celery list `celery` in Redis.
 * The database pool gauge is the app's own pool of 30 real connections to the world's PostgreSQL (9
 * held by steady traffic); `/_gameday/pool` makes requests hang holding the rest.
 * `http_requests_total{status}` counts the responses the API really sent (its own routes; the game day's
 * users GET `/api/projects`), each logged on stderr, a 5xx at ERROR.
 * Faults: `error_rate` (a bad release: one request in five to `/api/projects` really answers 500, above
 * the seed's 5 % P0 threshold; a rollback restarts the process without it), `certificate_expiring` (serves a certificate that expires in 10 days; needs
 * STANDIN_TLS_EXPIRING_CERT/KEY), `opensearch_node_down` (the process of the OpenSearch data node
 * opensearch-1 killed: the cluster turns red, its HTTP still 200; off, the missing node is started again).
 * Also stand-ins (no real server here) for the seed's OpenSearch `_cluster/health` (computed from the
 * live node processes of ./search-cluster.ts), behind Basic
 * auth as a `cluster_monitor` user (`monitor:STANDIN_MONITOR_PASSWORD`), and MinIO's unauthenticated
 * `/minio/health/live` and `/minio/health/cluster`, with the documented reply shapes; MinIO's cluster
 * capacity gauges (`/minio/v2/metrics/cluster`, bearer token as `mc admin prometheus generate` gives),
 * kube-state-metrics' deployment replicas (`/kube-state-metrics/metrics`), the derive endpoint
 * (`POST /signage/common/cabinets/derive`) and the search fallback counters the runbook greps for.
 * More faults: `minio_full` (storage 100 % used), `minio_filling` (85 % used > 80 %), `derive_timeout`
 * (the derive endpoint answers 504 as the ingress does after its read timeout), `search_fallback`
 * (30 % of searches fall back to the database > 20 %), `api_pods_down` (1 of 3 API replicas available),
 * `worker_pod_crashed` (the process of the worker pod apex-worker-1 killed: the worker deployment's
 * pods are real processes, examples/support/pods.ts, and kube-state-metrics counts those alive as
 * available; off, the missing pod is started again), `api_hpa_max` (a load peak: the HPA, which the
 * stand-in plays, scales the API deployment to its maxReplicas 10, runbooks/apex.md:757; off, back to
 * its minReplicas 3). The API deployment's pods are real processes too: kube-state-metrics reports
 * the pods the deployment runs as its desired replicas and those alive as available, and
 * `POST /_gameday/scale {deployment, replicas}` (the world's `kubectl scale`) starts or kills them.
 */
import { Redis } from 'ioredis';
import { startAppPool } from '../support/app-pool.js';
import { FailingShare, ResponseCounter } from '../support/requests.js';
import { accepts, startPod, stopPod, type Pod } from '../support/pods.js';
import { startSearchCluster } from './search-cluster.js';
import { promText, readEnvTls, runAsProcess, startStandin, type Faults, type Standin } from '../support/standin.js';

export async function startApex(env: NodeJS.ProcessEnv = process.env): Promise<Standin> {
  // Reconnects every 100 ms: the game day's clock is compressed, so ioredis' default back-off (up to 2 s
  // of real time) would leave the app without Redis for simulated minutes after Redis is back.
  const redis = new Redis(env.STANDIN_REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1, retryStrategy: () => 100 });
  // Once connected, a command while Redis is down fails at once (as the app's health code would see
  // it) instead of waiting in ioredis' offline queue for reconnects that back off to seconds.
  redis.once('ready', () => {
    redis.options.enableOfflineQueue = false;
  });
  redis.on('error', () => {});
  const appPool = await startAppPool(env.STANDIN_PG_URL ?? '', { size: 30, inFlight: 9, name: 'apex-api' });
  const searchCluster = await startSearchCluster();
  // The worker deployment's pods (KEDA keeps 2 at rest), each a real process.
  const WORKER_PODS = ['apex-worker-0', 'apex-worker-1'];
  const workerPods = new Map<string, Pod>(await Promise.all(WORKER_PODS.map(async (n) => [n, await startPod(n)] as const)));
  const workersAvailable = async (): Promise<number> => (await Promise.all([...workerPods.values()].map((p) => accepts(p.port)))).filter(Boolean).length;
  // The API deployment's pods (the HPA's minReplicas 3 at rest, its maxReplicas 10: runbooks/apex.md:756-757).
  const HPA = { min: 3, max: 10 };
  const apiPods: Pod[] = [];
  const scaleApi = async (replicas: number): Promise<void> => {
    while (apiPods.length < replicas) apiPods.push(await startPod(`apex-api-${apiPods.length}`));
    while (apiPods.length > replicas) await stopPod(apiPods.pop()!);
  };
  await scaleApi(HPA.min);
  const apiAvailable = async (): Promise<number> => (await Promise.all(apiPods.map((p) => accepts(p.port)))).filter(Boolean).length;
  const healthy = readEnvTls();
  const expiring = readEnvTls('STANDIN_TLS_EXPIRING');
  const faults: Faults = {
    error_rate: false, certificate_expiring: false, opensearch_node_down: false,
    minio_full: false, minio_filling: false, derive_timeout: false, search_fallback: false, api_pods_down: false, worker_pod_crashed: false, api_hpa_max: false,
  };
  // The game day's monitor credential doubles as MinIO's Prometheus bearer token.
  const minioToken = `Bearer ${Buffer.from(`monitor:${env.STANDIN_MONITOR_PASSWORD ?? ''}`).toString('base64')}`;
  const search = { requests: 0, fallback: 0 };
  const TIB = 1024 ** 4;
  const basic = `Basic ${Buffer.from(`monitor:${env.STANDIN_MONITOR_PASSWORD ?? ''}`).toString('base64')}`;
  const responses = new ResponseCounter();
  // The bad release's share of failing requests, spread evenly (see FailingShare).
  const badRelease = new FailingShare(0.2);
  const derive = responses.counted((req) => {
    if (req.method !== 'POST') return { status: 405, json: { detail: 'Method Not Allowed' } };
    return { json: { result: { cabinets: [] }, assumptions: [], confidence: 0.95 } };
  });
  let hpaAtMax = false;
  // onFaults runs only after start, so the closure never sees `standin` uninitialised.
  const standin: Standin = await startStandin({
    name: 'apex',
    port: Number(env.STANDIN_PORT ?? 0),
    ...(healthy ? { tls: healthy } : {}),
    faults,
    onClose: async () => {
      redis.disconnect();
      await appPool.close();
      await searchCluster.close();
      await Promise.all([...workerPods.values(), ...apiPods].map(stopPod));
    },
    onFaults: async (f) => {
      const tls = f.certificate_expiring ? expiring : healthy;
      if (tls) standin.setCertificate(tls);
      if (f.opensearch_node_down) await searchCluster.kill('opensearch-1');
      else await searchCluster.startMissing();
      const crashed = workerPods.get('apex-worker-1');
      if (f.worker_pod_crashed && crashed) {
        await stopPod(crashed);
        workerPods.delete('apex-worker-1');
      }
      // The HPA under the load peak scales to its maximum; when it is gone, back to its minimum.
      if (Boolean(f.api_hpa_max) !== hpaAtMax) {
        hpaAtMax = Boolean(f.api_hpa_max);
        await scaleApi(hpaAtMax ? HPA.max : HPA.min);
      }
      if (!f.worker_pod_crashed) for (const n of WORKER_PODS.filter((w) => !workerPods.has(w))) workerPods.set(n, await startPod(n));
    },
    routes: {
      '/_gameday/pool': appPool.route,
      // `kubectl get pods -n apex`: the pods this stand-in plays, Running while their process accepts
      // connections; the API pods kube-state-metrics counts unavailable under api_pods_down, and a
      // crashed worker's pod, in CrashLoopBackOff.
      '/_gameday/pods': async () => {
        const row = async (name: string, pod: Pod | undefined, down = false) => {
          const alive = !down && pod !== undefined && (await accepts(pod.port));
          return { name, ready: alive ? '1/1' : '0/1', status: alive ? 'Running' : 'CrashLoopBackOff', restarts: alive ? 0 : 3 };
        };
        const api = await Promise.all(apiPods.map((p, i) => row(`apex-api-${i}`, p, faults.api_pods_down && i > 0)));
        const workers = await Promise.all(WORKER_PODS.map((n) => row(n, workerPods.get(n))));
        return { json: { pods: [...api, ...workers] } };
      },
      // `kubectl scale deployment apex-api --replicas=N`: the deployment runs N pod processes.
      '/_gameday/scale': async (req) => {
        const { deployment, replicas } = JSON.parse(req.body || '{}') as { deployment?: unknown; replicas?: unknown };
        if (req.method !== 'POST' || deployment !== 'apex-api' || typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0 || replicas > 50) {
          return { status: 400, json: { error: 'POST {"deployment":"apex-api","replicas":0..50} (the deployment whose pods this stand-in plays)' } };
        }
        await scaleApi(replicas);
        return { json: { deployment, replicas: apiPods.length } };
      },
      '/health': responses.counted(() => ({ json: { status: 'ok' } })),
      '/ready': responses.counted(async () => {
        const redisOk = await redis.ping().then(() => true, () => false);
        return { status: redisOk ? 200 : 503, json: { ready: redisOk } };
      }),
      // The API's traffic (the runbook names no endpoint; this one stands for them).
      '/api/projects': responses.counted(() => {
        if (faults.error_rate && badRelease.next()) {
          process.stderr.write(`${new Date().toISOString()} ERROR Exception in GET /api/projects: AttributeError: 'NoneType' object has no attribute 'tenant_id'\n`);
          return { status: 500, json: { detail: 'Internal Server Error' } };
        }
        return { json: { items: [{ id: 1, name: 'Lobby wall' }], total: 1 } };
      }),
      // OpenSearch's reply shape; a red cluster answers 200 too, only the body says so.
      '/_cluster/health': async (req) => {
        if (!env.STANDIN_MONITOR_PASSWORD || req.headers.authorization !== basic) {
          return { status: 401, json: { error: { type: 'security_exception', reason: 'missing authentication credentials for REST request [/_cluster/health]' }, status: 401 } };
        }
        return { json: await searchCluster.health() };
      },
      // MinIO answers these without credentials, with an empty body: 200, or 503 without write quorum.
      '/minio/health/live': () => ({ text: '' }),
      '/minio/health/cluster': () => ({ text: '' }),
      // MinIO's cluster metrics (v2), behind the bearer token a real server asks for.
      '/minio/v2/metrics/cluster': (req) => {
        if (!env.STANDIN_MONITOR_PASSWORD || req.headers.authorization !== minioToken) return { status: 403, text: 'Access Denied.' };
        const used = faults.minio_full ? 1 : faults.minio_filling ? 0.85 : 0.4;
        return {
          text: promText([
            { name: 'minio_cluster_capacity_usable_total_bytes', help: 'Total cluster usable storage capacity in bytes.', type: 'gauge', samples: [{ value: 2 * TIB }] },
            { name: 'minio_cluster_capacity_usable_free_bytes', help: 'Total cluster usable storage free in bytes.', type: 'gauge', samples: [{ value: 2 * TIB * (1 - used) }] },
          ]),
        };
      },
      // kube-state-metrics: the API deployment (HPA 3–10) and the worker (KEDA 2–10).
      '/kube-state-metrics/metrics': async () => ({
        text: promText([
          {
            name: 'kube_deployment_spec_replicas', help: 'Number of desired pods for a deployment.', type: 'gauge',
            samples: [{ labels: { namespace: 'apex', deployment: 'apex-api' }, value: apiPods.length }, { labels: { namespace: 'apex', deployment: 'apex-worker' }, value: 2 }],
          },
          {
            name: 'kube_deployment_status_replicas_available', help: 'The number of available replicas per deployment.', type: 'gauge',
            samples: [{ labels: { namespace: 'apex', deployment: 'apex-api' }, value: faults.api_pods_down ? 1 : await apiAvailable() }, { labels: { namespace: 'apex', deployment: 'apex-worker' }, value: await workersAvailable() }],
          },
        ]),
      }),
      // The solver's endpoint (runbooks/apex.md:190): an envelope, or the ingress's 504 after its read timeout.
      '/signage/common/cabinets/derive': (req) => {
        // The ingress answers the 504 after its read timeout: the API never sent it, nor counts it.
        if (req.method === 'POST' && faults.derive_timeout) return { status: 504, contentType: 'text/html', text: '<html><head><title>504 Gateway Time-out</title></head><body><center><h1>504 Gateway Time-out</h1></center><hr><center>nginx</center></body></html>' };
        return derive(req);
      },
      '/metrics': () => {
        search.requests += 100;
        search.fallback += faults.search_fallback ? 30 : 1;
        return {
          text: promText([
            { name: 'apex_pg_pool_used', help: 'Database connections in use.', type: 'gauge', samples: [{ value: appPool.used() }] },
            { name: 'apex_pg_pool_size', help: 'Database pool size.', type: 'gauge', samples: [{ value: appPool.size }] },
            { name: 'http_requests_total', help: 'Requests by status.', type: 'counter', samples: responses.samples() },
            { name: 'search_requests_total', help: 'Search requests.', type: 'counter', samples: [{ value: search.requests }] },
            { name: 'search_fallback_total', help: 'Searches answered from the database (search_fallback: true).', type: 'counter', samples: [{ value: search.fallback }] },
          ]),
        };
      },
    },
  });
  return standin;
}

if (import.meta.url === `file://${process.argv[1]}`) await runAsProcess(() => startApex());

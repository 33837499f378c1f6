import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Socket } from 'node:net';
import type { ChannelCredentials, Client, ServiceError } from '@grpc/grpc-js';
import type { CheckKind, Observation } from '../../types.js';
import { errorText } from '../shared/observe-http.js';
import { decodeHealthResponse, encodeHealthRequest } from './health-messages.js';
import { grpcSchema, type GrpcOptions } from './schema.js';

const HEALTH_CHECK = '/grpc.health.v1.Health/Check';
// grpc status codes the kind reads as answers rather than failures.
const NOT_FOUND = 5;
const UNIMPLEMENTED = 12;
const UNAVAILABLE = 14;

/**
 * The same credentials, remembering every socket the channel opens. grpc-js never abandons a
 * connection attempt that is still waiting for the server's HTTP/2 settings — not even when the
 * client is closed — so against a stalled server each run would leave a socket behind. The probe
 * destroys its sockets itself when the run ends.
 */
function trackSockets(credentials: ChannelCredentials): { credentials: ChannelCredentials; destroy: () => void } {
  const sockets = new Set<Socket>();
  const tracked = Object.create(credentials) as ChannelCredentials;
  tracked._createSecureConnector = (...args) => {
    const connector = credentials._createSecureConnector(...args);
    return {
      connect: (socket) => {
        sockets.add(socket);
        return connector.connect(socket);
      },
      waitForReady: () => connector.waitForReady(),
      getCallCredentials: () => connector.getCallCredentials(),
      destroy: () => connector.destroy(),
    };
  };
  return { credentials: tracked, destroy: () => sockets.forEach((s) => s.destroy()) };
}

/**
 * Calls the standard grpc.health.v1 Health/Check, which Kubernetes' grpc probe and most gRPC
 * frameworks serve, and reports the serving status of the server or of one service. The two tiny
 * messages are encoded here, so no .proto file is loaded at run time.
 */
export const grpcKind: CheckKind<GrpcOptions> = {
  ...grpcSchema,
  run: async (config, ctx): Promise<Observation> => {
    // Loaded on first use: most opsbook commands never speak gRPC.
    const grpc = await import('@grpc/grpc-js');
    const started = performance.now();
    const { credentials, destroy } = trackSockets(
      config.tls ? grpc.credentials.createSsl(config.ca_file ? fs.readFileSync(config.ca_file) : null) : grpc.credentials.createInsecure(),
    );
    const client: Client = new grpc.Client(config.target, credentials, {
      // Its own connection, never one from the shared pool: a reused healthy connection would hide
      // exactly the connection failures a probe is for.
      'grpc.use_local_subchannel_pool': 1,
      ...(config.servername ? { 'grpc.ssl_target_name_override': config.servername } : {}),
    });
    const metadata = new grpc.Metadata();
    for (const [k, v] of Object.entries(config.metadata)) metadata.set(k, v);
    const values: Observation['values'] = { CONNECTED: false };
    try {
      const status = await new Promise<string>((resolve, reject) => {
        const call = client.makeUnaryRequest(HEALTH_CHECK, encodeHealthRequest, decodeHealthResponse, config.grpc_service, metadata, (err: ServiceError | null, res?: string) => {
          ctx.signal.removeEventListener('abort', onAbort);
          if (err) reject(err);
          else resolve(res ?? 'UNKNOWN');
        });
        const onAbort = (): void => call.cancel();
        ctx.signal.addEventListener('abort', onAbort, { once: true });
      });
      Object.assign(values, { CONNECTED: true, STATUS: status, CODE: 0 });
    } catch (e) {
      const code = (e as ServiceError).code;
      if (typeof code === 'number') values.CODE = code;
      if (code !== UNAVAILABLE) values.CONNECTED = true;
      if (code === NOT_FOUND) values.STATUS = 'SERVICE_UNKNOWN';
      else {
        const hint = code === UNIMPLEMENTED ? ' (the server has no grpc.health.v1 Health service)' : '';
        return { values, error: `${errorText(e)}${hint}` };
      }
    } finally {
      client.close();
      destroy();
    }
    values.RESPONSE_TIME = Math.round(performance.now() - started);
    return { values };
  },
};

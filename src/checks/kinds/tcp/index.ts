import net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { CheckKind, Observation } from '../../types.js';
import { errorText } from '../shared/observe-http.js';
import { tcpSchema, type TcpOptions } from './schema.js';

/** A TCP connect, like a Kubernetes tcpSocket probe: up when the port accepts a connection. */
export const tcpKind: CheckKind<TcpOptions> = {
  ...tcpSchema,
  run: (config, ctx) =>
    new Promise<Observation>((resolve) => {
      const started = performance.now();
      const socket = net.connect({ host: config.host, port: config.port, signal: ctx.signal });
      socket.once('connect', () => {
        const rt = Math.round(performance.now() - started);
        socket.destroy();
        resolve({ values: { CONNECTED: true, RESPONSE_TIME: rt } });
      });
      socket.once('error', (e) => {
        socket.destroy();
        resolve({ values: { CONNECTED: false, RESPONSE_TIME: Math.round(performance.now() - started) }, error: errorText(e) });
      });
    }),
};

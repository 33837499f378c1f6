/**
 * A loopback TCP proxy in front of a real server, for the "down" and "slow" cases of a probe without
 * touching the shared service. The game-day world's socket faults use the same proxy.
 */
export { startTcpProxy, type ProxyMode, type TcpProxy } from '../../src/gameday/faults/socket-proxy.js';

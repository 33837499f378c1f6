export { HistoryWriter, type HistoryWriterOptions } from './writer.js';
export { rollupAndRetain, type RetentionOptions } from './rollups.js';
export { windowStats, windowStatsOf, uptime, latencyPercentiles, bucketQuantile, type CheckWindow, type WindowStats } from './queries.js';
export { registerHeartbeat, recordHeartbeat, heartbeatReader } from './heartbeats.js';
export { LATENCY_BUCKETS_MS } from '../../store/repos/check-history.js';

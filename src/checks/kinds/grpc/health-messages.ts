/**
 * The two protobuf messages of grpc.health.v1, by hand:
 *   HealthCheckRequest  { string service = 1; }
 *   HealthCheckResponse { ServingStatus status = 1; }
 */
export const SERVING_STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'] as const;

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

export function encodeHealthRequest(service: string): Buffer {
  if (service === '') return Buffer.alloc(0);
  const bytes = Buffer.from(service, 'utf8');
  return Buffer.concat([Buffer.from([0x0a, ...varint(bytes.length)]), bytes]);
}

function readVarint(buf: Buffer, at: number): [number, number] {
  let n = 0;
  let shift = 0;
  for (;;) {
    if (at >= buf.length) throw new Error('truncated health response');
    const b = buf[at++]!;
    n += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (b < 0x80) return [n, at];
  }
}

/** The status name; fields other than status (none today) are skipped as protobuf requires. */
export function decodeHealthResponse(buf: Buffer): string {
  let status = 0;
  let at = 0;
  while (at < buf.length) {
    const [key, next] = readVarint(buf, at);
    at = next;
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) {
      const [v, after] = readVarint(buf, at);
      at = after;
      if (field === 1) status = v;
    } else if (wire === 2) {
      const [len, after] = readVarint(buf, at);
      at = after + len;
    } else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else throw new Error(`unexpected protobuf wire type ${wire} in health response`);
  }
  return SERVING_STATUS[status] ?? `STATUS_${status}`;
}

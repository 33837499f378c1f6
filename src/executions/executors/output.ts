/** Output kept in memory per stream; past it the rest is counted and dropped. */
export const MAX_OUTPUT_BYTES = 16 * 1024 * 1024;

/** One stream of a command's output: the first MAX_OUTPUT_BYTES kept, the rest only counted. */
export class OutputCollector {
  private chunks: Buffer[] = [];
  private kept = 0;
  total = 0;
  add(b: Buffer): void {
    this.total += b.length;
    if (this.kept >= MAX_OUTPUT_BYTES) return;
    const part = b.subarray(0, MAX_OUTPUT_BYTES - this.kept);
    this.chunks.push(part);
    this.kept += part.length;
  }
  text(): string {
    const s = Buffer.concat(this.chunks).toString('utf8');
    return this.total > this.kept ? `${s}\n[opsbook: ${this.total - this.kept} more bytes dropped]` : s;
  }
}

import { saveRunningEntryOutput, type Store } from '../store/index.js';
import { maskSecrets } from './params.js';
import { capText, TRANSCRIPT_CAP_BYTES } from './transcript.js';

/** At most how often the output of a running command is saved to its entry (when it grew), real time. */
export const OUTPUT_SAVE_MS = 2000;

/**
 * Saves a running command's output to its `running` entry while it grows, so a process that dies
 * loses little of it: its first output at once (a responder sees the step start answering, not two
 * seconds later), then at most once every OUTPUT_SAVE_MS. Only what a transcript row keeps is saved
 * (the first 64 KiB of each stream), secrets masked; the last bytes, which could be the start of a
 * secret cut in two, wait for the next save. The command's end writes the whole output as before.
 */
export class RunningOutput {
  private readonly chunks = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  private readonly bytes = { stdout: 0, stderr: 0 };
  private changed = false;
  private saving: Promise<void> = Promise.resolve();
  /** Set from a save until OUTPUT_SAVE_MS later: output meanwhile waits for it. */
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly holdBack: number;

  constructor(
    private readonly store: Store,
    private readonly entryId: string,
    private readonly secrets: readonly string[],
    private readonly onError: (e: unknown) => void,
  ) {
    this.holdBack = Math.max(0, ...secrets.map((s) => Buffer.byteLength(s)));
  }

  add(stream: 'stdout' | 'stderr', chunk: Buffer): void {
    this.bytes[stream] += chunk.length;
    // Past the row's cap nothing more is saved while it runs; the counts still grow.
    const kept = this.chunks[stream].reduce((n, b) => n + b.length, 0);
    if (kept < TRANSCRIPT_CAP_BYTES + this.holdBack) this.chunks[stream].push(chunk.subarray(0, TRANSCRIPT_CAP_BYTES + this.holdBack - kept));
    this.changed = true;
    if (this.timer === undefined && !this.stopped) this.saveNow();
  }

  /** Saves what is there now (after a save under way), and what comes within OUTPUT_SAVE_MS once that has passed. */
  private saveNow(): void {
    this.changed = false;
    this.saving = this.saving.then(() => this.save()).catch(this.onError);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.changed && !this.stopped) this.saveNow();
    }, OUTPUT_SAVE_MS);
    this.timer.unref();
  }

  private text(stream: 'stdout' | 'stderr'): { kept: string; cut: boolean } {
    const all = Buffer.concat(this.chunks[stream]);
    const safe = this.bytes[stream] > all.length ? all : all.subarray(0, Math.max(0, all.length - this.holdBack));
    const capped = capText(maskSecrets(safe.toString('utf8'), this.secrets));
    return { kept: capped.kept, cut: capped.cut || this.bytes[stream] > safe.length };
  }

  private async save(): Promise<void> {
    const out = this.text('stdout');
    const err = this.text('stderr');
    await saveRunningEntryOutput(this.store.db, this.entryId, {
      stdout: out.kept,
      stderr: err.kept,
      stdout_bytes: this.bytes.stdout,
      stderr_bytes: this.bytes.stderr,
      truncated: out.cut || err.cut ? 1 : 0,
    });
  }

  /** Stops saving and waits for a save under way, so the command's result is written after it. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.saving;
  }
}

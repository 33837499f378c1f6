import net from 'node:net';
import tls from 'node:tls';

/** One SMTP reply: its code and the text of each line without the code. */
export interface SmtpReply {
  code: number;
  lines: string[];
}

// A reply line is a 3-digit code, then '-' when more lines follow or ' ' (or nothing) on the last.
const REPLY_LINE = /^(\d{3})([- ]|$)(.*)$/;
const MAX_REPLY_BYTES = 64 * 1024;

/**
 * The client side of an SMTP conversation on one socket: reads (multi-line) replies, sends commands,
 * and upgrades to TLS for STARTTLS. Errors and a closed connection reject the pending read.
 */
export class SmtpSession {
  private buffer = '';
  private pending: SmtpReply['lines'] = [];
  private waiting: { resolve: (r: SmtpReply) => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;
  private queue: SmtpReply[] = [];
  socket: net.Socket;

  constructor(socket: net.Socket) {
    this.socket = socket;
    this.attach(socket);
  }

  private attach(socket: net.Socket): void {
    socket.setEncoding('utf8');
    socket.on('data', this.onData);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
  }

  private detach(socket: net.Socket): void {
    socket.off('data', this.onData);
    socket.off('error', this.onError);
    socket.off('close', this.onClose);
  }

  private readonly onData = (chunk: string): void => {
    this.buffer += chunk;
    if (this.buffer.length > MAX_REPLY_BYTES) return this.fail(new Error('SMTP reply longer than 64 KiB'));
    let end: number;
    while ((end = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, end).replace(/\r$/, '');
      this.buffer = this.buffer.slice(end + 1);
      const m = REPLY_LINE.exec(line);
      if (!m) return this.fail(new Error(`not an SMTP reply: ${JSON.stringify(line.slice(0, 80))}`));
      this.pending.push(m[3]!);
      if (m[2] !== '-') {
        this.deliver({ code: Number(m[1]), lines: this.pending });
        this.pending = [];
      }
    }
  };

  private readonly onError = (e: Error): void => this.fail(e);
  private readonly onClose = (): void => this.fail(new Error('connection closed by the server'));

  private deliver(reply: SmtpReply): void {
    const w = this.waiting;
    this.waiting = undefined;
    if (w) w.resolve(reply);
    else this.queue.push(reply);
  }

  private fail(e: Error): void {
    this.failure ??= e;
    const w = this.waiting;
    this.waiting = undefined;
    w?.reject(this.failure);
  }

  read(): Promise<SmtpReply> {
    const next = this.queue.shift();
    if (next) return Promise.resolve(next);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  command(line: string): Promise<SmtpReply> {
    this.socket.write(`${line}\r\n`);
    return this.read();
  }

  /** Replaces the plain socket by a TLS one on the same connection, after `220 ready to start TLS`. */
  async upgrade(options: tls.ConnectionOptions): Promise<tls.TLSSocket> {
    const plain = this.socket;
    this.detach(plain);
    const secure = tls.connect({ ...options, socket: plain });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', () => resolve());
      secure.once('error', reject);
    });
    this.socket = secure;
    this.buffer = '';
    this.attach(secure);
    return secure;
  }

  close(): void {
    this.socket.destroy();
  }
}

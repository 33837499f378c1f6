// The demo's mail sink: an SMTP server on loopback that accepts every message and prints a line
// for it, so the demo's email pages are delivered (and visible) instead of retrying against a
// port where nothing listens. Not a relay: nothing leaves the machine.
import { SMTPServer } from 'smtp-server';

/** The port the demo's `ops-email` channel sends to. */
export const DEMO_MAIL_PORT = 2525;

/**
 * Starts the sink on 127.0.0.1:`port`. `onMail` gets each message's recipients and subject;
 * `quiet` turns off the printed line.
 */
export async function startMailSink({ port = DEMO_MAIL_PORT, quiet = false, onMail } = {}) {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, done) {
      let raw = '';
      stream.on('data', (c) => (raw += c.toString()));
      stream.on('end', () => {
        const subject = /^Subject: (.*)$/im.exec(raw)?.[1]?.trim() ?? '(no subject)';
        const to = session.envelope.rcptTo.map((r) => r.address);
        if (!quiet) console.log(`[mail-sink] to ${to.join(', ')}: ${subject}`);
        onMail?.({ to, subject });
        done();
      });
    },
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return { close: () => new Promise((resolve) => server.close(() => resolve())) };
}

// Run on its own: `node examples/demo/mail-sink.js`.
if (import.meta.url === `file://${process.argv[1]}`) {
  await startMailSink();
  console.log(`[mail-sink] listening on 127.0.0.1:${DEMO_MAIL_PORT}`);
}

// The demo's mail sink: an SMTP server on loopback that accepts every message and prints a line
// for it (the subject as written, and the page's links: open the incident, the runbook,
// acknowledge, resolve), so the demo's email pages are delivered and can be answered from their
// links, instead of retrying against a port where nothing listens. Not a relay: nothing leaves the
// machine.
import { SMTPServer } from 'smtp-server';

/** The port the demo's `ops-email` channel sends to. */
export const DEMO_MAIL_PORT = 2525;

/** A header's words as written: folded lines joined, RFC 2047 encoded words (`=?UTF-8?Q?…?=`) decoded. */
export function decodeHeader(value) {
  const unfolded = value.replace(/\r?\n[ \t]+/g, ' ');
  // Whitespace between two encoded words is folding, not text.
  return unfolded.replace(/(=\?[^?]+\?[QqBb]\?[^?]*\?=)\s+(?==\?)/g, '$1').replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_, charset, enc, text) => {
    const bytes = enc.toUpperCase() === 'B' ? Buffer.from(text, 'base64') : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_m, h) => String.fromCharCode(parseInt(h, 16))), 'latin1');
    return new TextDecoder(charset).decode(bytes);
  });
}

/** The plain-text part of a raw message, its quoted-printable undone (the whole body when it has no parts). */
export function plainText(raw) {
  const at = raw.search(/^Content-Type: text\/plain/im);
  const part = at < 0 ? raw.slice(raw.search(/\r?\n\r?\n/)) : raw.slice(at);
  const split = /\r?\n\r?\n/.exec(part);
  if (!split) return '';
  const head = part.slice(0, split.index);
  let body = part.slice(split.index + split[0].length).split(/\r?\n--/)[0];
  if (/Content-Transfer-Encoding:\s*quoted-printable/i.test(head)) {
    body = Buffer.from(body.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_m, h) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
  }
  return body;
}

/** The page's links in a message's text: `Label: URL` lines (Open the incident, Open the runbook, Acknowledge, Resolve). */
export function pageLinks(text) {
  return [...text.matchAll(/^([A-Z][A-Za-z ]{1,40}): (https?:\/\/\S+)\s*$/gm)].map((m) => ({ label: m[1], url: m[2] }));
}

/**
 * Starts the sink on 127.0.0.1:`port`. `onMail` gets each message's recipients, subject and the
 * page's links; `quiet` turns off the printed lines.
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
        const headers = raw.split(/\r?\n\r?\n/)[0] ?? '';
        const folded = /^Subject: (.*(?:\r?\n[ \t].*)*)/im.exec(headers)?.[1];
        const subject = folded ? decodeHeader(folded).trim() : '(no subject)';
        const to = session.envelope.rcptTo.map((r) => r.address);
        const links = pageLinks(plainText(raw));
        if (!quiet) console.log([`[mail-sink] to ${to.join(', ')}: ${subject}`, ...links.map((l) => `[mail-sink]   ${l.label}: ${l.url}`)].join('\n'));
        onMail?.({ to, subject, links });
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

import type { EmailChannelConfig } from '../../../config/schema/channels.js';
import { formatDuration } from '../../../lib/duration.js';
import type { ChannelKind, DeliveryOutcome } from '../../types.js';
import { renderEmail } from './render.js';

// Connection-level failures: the server may be back in a minute.
const TRANSIENT_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ECONNREFUSED', 'ECONNRESET', 'EPROTOCOL', 'ESTREAM']);

interface SmtpError extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
}

/** SMTP 4xx is "try again later", 5xx is final (RFC 5321 §4.2.1); connection trouble is retried. */
export function classifySmtpError(e: SmtpError, timeoutMs: number): DeliveryOutcome {
  const error = e.code === 'ETIMEDOUT' ? `timed out after ${formatDuration(timeoutMs)}` : `${e.code ? `${e.code}: ` : ''}${e.response ?? e.message}`;
  if (e.responseCode !== undefined) {
    return { ok: false, retryable: e.responseCode >= 400 && e.responseCode < 500, status: e.responseCode, error };
  }
  if (e.code === 'EAUTH' || e.code === 'EENVELOPE' || e.code === 'EMESSAGE') return { ok: false, retryable: false, error };
  return { ok: false, retryable: e.code === undefined || TRANSIENT_CODES.has(e.code), error };
}

/**
 * Email over SMTP with nodemailer: text and HTML, sent to the paged person's address when the
 * notification names one, else to the channel's `to`. The Message-ID is derived from the outbox id
 * so a retried mail is recognisably the same message.
 */
export const emailChannel: ChannelKind<EmailChannelConfig> = {
  kind: 'email',
  async send(message, channel, ctx) {
    const to = message.notification.recipient ? [message.notification.recipient.address] : channel.to;
    if (to.length === 0) return { ok: false, retryable: false, error: 'no recipient: the notification names nobody and the channel has no `to`' };
    const { smtp } = channel;
    // Loaded on first use: processes that never send mail (and the CLI) skip nodemailer's start-up cost.
    const { default: nodemailer } = await import('nodemailer');
    const transport = nodemailer.createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: smtp.secure,
      ...(smtp.user ? { auth: { user: smtp.user, pass: smtp.password ?? '' } } : {}),
      connectionTimeout: channel.timeout,
      greetingTimeout: channel.timeout,
      socketTimeout: channel.timeout,
    });
    const onAbort = (): void => transport.close();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    try {
      const mail = renderEmail(message);
      const info = await transport.sendMail({
        from: channel.from,
        to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        messageId: `<${message.id}@opsbook>`,
        headers: { 'X-Opsbook-Message-Id': message.id },
      });
      return { ok: true, detail: String(info.response ?? '') };
    } catch (e) {
      if (ctx.signal.aborted) return { ok: false, retryable: true, error: 'stopped before the SMTP server answered' };
      return classifySmtpError(e as SmtpError, channel.timeout);
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
      transport.close();
    }
  },
};

import type { Letter } from '../notify/index.js';

export interface LetterContext {
  /** The page's title ("System status"). */
  title: string;
  /** `server.public_url` without a trailing slash. */
  base: string;
}

const unsubscribe = (ctx: LetterContext, token: string): { label: string; url: string } => ({
  label: 'Unsubscribe',
  url: `${ctx.base}/status/unsubscribe?token=${encodeURIComponent(token)}`,
});

/** The first mail to a new address: nothing else is sent until its link is opened. */
export function confirmationLetter(ctx: LetterContext, token: string): Letter {
  return {
    subject: `${ctx.title}: confirm your subscription`,
    text: `Someone, probably you, asked for updates from ${ctx.title} at this address.\n\nOpen the link below to confirm. If it was not you, ignore this mail: nothing more will be sent.`,
    links: [{ label: 'Confirm', url: `${ctx.base}/status/confirm?token=${encodeURIComponent(token)}` }],
  };
}

/** An update people wrote, sent to a confirmed subscriber with a link to leave. */
export function updateLetter(ctx: LetterContext, token: string, u: { title: string; state: string; body: string; service?: string }): Letter {
  const label = u.state.charAt(0).toUpperCase() + u.state.slice(1);
  return {
    subject: `[${label}] ${u.title}`,
    text: `${u.service ? `${u.service}: ` : ''}${u.title}\n\n${label}: ${u.body}`,
    links: [{ label: 'Status page', url: `${ctx.base}/status` }, unsubscribe(ctx, token)],
  };
}

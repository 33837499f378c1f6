import type { Daemon } from '../../../daemon/index.js';
import type { Session } from '../../sessions/index.js';
import { html, type Html } from '../html.js';
import { page } from '../layout.js';

export function errorPage(daemon: Daemon, session: Session | undefined, status: number, title: string, message: string): Html {
  return page(daemon, {
    title,
    session,
    nav: 'none',
    body: html`<p class="notice error" role="alert">${message}</p><p><a href="/">Back to the overview</a>${status === 401 ? html` · <a href="/login">Sign in</a>` : ''}</p>`,
  });
}

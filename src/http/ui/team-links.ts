import type { Daemon } from '../../daemon/index.js';
import { teamsOf, type Actor } from '../../identity/index.js';
import { html, type Html } from './html.js';

/**
 * Which teams' things a list shows, with links to the others: a person in teams sees theirs first.
 * `path` is the list's own address; `keep` are its other query parameters, kept by every link.
 */
export function teamLinks(daemon: Daemon, actor: Actor, team: string | undefined, path: string, keep: Record<string, string> = {}): Html | '' {
  const teams = daemon.config.teams;
  if (teams.length === 0) return '';
  const mine = teamsOf(teams, actor.name).map((t) => t.id);
  const current = team ?? (mine.length > 0 ? 'mine' : 'all');
  const href = (value: string) => {
    const q = new URLSearchParams({ ...keep, ...(value === 'mine' ? {} : { team: value }) }).toString();
    return q ? `${path}?${q}` : path;
  };
  const link = (value: string, label: string) => (current === value ? html`<strong aria-current="page">${label}</strong>` : html`<a href="${href(value)}">${label}</a>`);
  return html`<p class="team-view">Showing: ${mine.length > 0 ? html`${link('mine', `Your teams (${mine.join(', ')})`)} · ` : ''}${link('all', 'All teams')}${teams.map((t) => html` · ${link(t.id, t.name ?? t.id)}`)}</p>`;
}

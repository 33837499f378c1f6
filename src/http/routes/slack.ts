import { z } from 'zod';
import type { Daemon } from '../../daemon/index.js';
import { roleAllows, type Actor } from '../../identity/index.js';
import type { Incident } from '../../incidents/index.js';
import { postAndClassify, readSlackInteraction, renderSlackPayload, verifySlackRequest, type SlackInteraction } from '../../notify/index.js';
import { OpsbookError } from '../../lib/errors/index.js';
import type { OpsConfig } from '../../config/index.js';
import { route, type RouteTable } from '../routes.js';
import { operationsOf } from './operations.js';
import { runDiagnosis } from './slack-diagnosis.js';

/** The opsbook user whose `slack` contact is this Slack member id, if they may respond. */
function slackActor(config: OpsConfig, slackUserId: string): Actor | string {
  const user = config.users.find((u) => u.contact.some((c) => c.kind === 'slack' && c.address === slackUserId));
  if (!user) return `Slack user ${slackUserId} is not linked to an opsbook user (add a slack contact with this member id in users:); nothing was done`;
  if (!roleAllows(user.role, 'responder')) return `${user.name} (${user.role}) may not acknowledge or resolve incidents; nothing was done`;
  return { name: user.name, role: user.role, via: 'token' };
}

/** The message as it now stands: the incident's state, who acted, and the buttons still useful. */
export function updatedMessage(config: OpsConfig, incident: Incident, note: string): Record<string, unknown> {
  const event = incident.state === 'triggered' ? 'incident.triggered' : incident.state === 'resolved' || incident.state === 'reviewed' ? 'incident.resolved' : 'incident.acknowledged';
  const open = event !== 'incident.resolved';
  const payload = renderSlackPayload(
    {
      id: 'update',
      createdAt: incident.updatedAt,
      attempt: 1,
      notification: {
        channelId: 'slack',
        event,
        incidentEpoch: incident.reopened,
        incident: {
          id: incident.id,
          title: incident.title,
          severity: incident.severity,
          status: incident.state,
          url: `${config.server.public_url}/incidents/${encodeURIComponent(incident.id)}`,
          ...(incident.service ? { service: incident.service } : {}),
          ...(incident.runbook ? { runbook: incident.runbook } : {}),
        },
      },
      // Only the presence of links matters in interactive mode: the buttons carry the incident, not a URL.
      links: { ...(event === 'incident.triggered' ? { acknowledge: '-' } : {}), ...(open ? { resolve: '-' } : {}) },
    },
    { interactive: true, notes: [note] },
  );
  return { replace_original: true, ...payload };
}

/**
 * Slack interactivity: the buttons of an opsbook message (acknowledge, resolve, run a read-only
 * diagnosis step) post here. The request must be signed with the channel's signing secret and be
 * under five minutes old; the Slack user must be an opsbook user (a `slack` contact with their
 * member id). The answer goes to the message's `response_url`: the message is replaced in place
 * with who did what, or a refusal is shown to the person alone.
 */
export function slackRoutes(daemon: Daemon): RouteTable {
  const respond = async (url: string, body: Record<string, unknown>): Promise<void> => {
    const outcome = await postAndClassify(
      { url, body: JSON.stringify(body), timeoutMs: 10_000, headers: { 'content-type': 'application/json', 'user-agent': 'opsbook' } },
      { signal: AbortSignal.timeout(30_000), clock: daemon.clock },
    );
    if (!outcome.ok) daemon.logger.warn({ url: url.replace(/\/[^/]*$/, '/…'), error: outcome.error }, 'slack response_url refused the update');
  };
  const refuse = (i: SlackInteraction, text: string) => ({ ok: false as const, refused: text, background: respond(i.responseUrl, { response_type: 'ephemeral', replace_original: false, text }) });

  const act = async (i: SlackInteraction, actor: Actor) => {
    const ops = operationsOf(daemon);
    const current = await ops.incidents.get(i.incidentId).catch(() => undefined);
    if (!current) return refuse(i, `incident ${i.incidentId} no longer exists`);
    if (current.reopened !== i.epoch) return refuse(i, `this message was sent before incident ${current.id} re-opened; it is now ${current.state}: open the incident to act on it`);
    if (i.action === 'acknowledge' || i.action === 'resolve') {
      const incident = await ops.act(current.id, i.action, actor, 'from Slack');
      const verb = i.action === 'acknowledge' ? 'Acknowledged' : 'Resolved';
      const note = incident.state === current.state ? `Already ${current.state}; ${actor.name} pressed ${verb.toLowerCase()}` : `${verb} by ${actor.name} from Slack`;
      return { ok: true as const, incident: incident.id, state: incident.state, background: respond(i.responseUrl, updatedMessage(daemon.config, incident, note)) };
    }
    if (i.action === 'diagnose') {
      // A step can take a while; Slack wants its answer within 3 s, so the output follows by response_url.
      const background = runDiagnosis(daemon, current, actor).then((text) => respond(i.responseUrl, { response_type: 'in_channel', replace_original: false, text }));
      return { ok: true as const, incident: current.id, state: current.state, background };
    }
    return refuse(i, `opsbook has no button "${i.action}"`);
  };

  return [
    route({
      method: 'POST',
      url: '/api/integrations/slack/:channel',
      access: 'public',
      rawBody: true,
      summary: 'Slack interactivity (signed with the channel’s signing secret, 5-minute window): acknowledge, resolve or run a read-only diagnosis step; the message is updated through its response_url.',
      tags: ['incidents'],
      params: z.object({ channel: z.string().min(1).max(200) }),
      response: z.object({ ok: z.boolean(), incident: z.string().optional(), state: z.string().optional(), refused: z.string().optional() }),
      handler: async ({ params, request }) => {
        const channel = daemon.config.channels.find((c) => c.id === params.channel);
        if (!channel || channel.kind !== 'slack' || !channel.signing_secret) throw new OpsbookError('OPSBOOK_E_WEBHOOK_SIGNATURE', `no slack channel "${params.channel}" with a signing_secret is configured`);
        const header = (name: string) => (typeof request.headers[name] === 'string' ? (request.headers[name] as string) : undefined);
        const check = verifySlackRequest(channel.signing_secret, request.rawBody ?? '', header('x-slack-request-timestamp'), header('x-slack-signature'), daemon.clock.now());
        if (!check.ok) throw new OpsbookError('OPSBOOK_E_WEBHOOK_SIGNATURE', check.reason);
        const interaction = readSlackInteraction((request.body as Record<string, unknown> | undefined)?.payload);
        if (typeof interaction === 'string') throw new OpsbookError('OPSBOOK_E_REQUEST_INVALID', interaction, { location: { path: 'body.payload' } });
        const actor = slackActor(daemon.config, interaction.userId);
        const { background, ...answer } = typeof actor === 'string' ? refuse(interaction, actor) : await act(interaction, actor);
        void background.catch((err: unknown) => daemon.logger.error({ err }, 'slack interaction follow-up failed'));
        return answer;
      },
    }),
  ];
}

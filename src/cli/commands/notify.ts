import { OpsbookError } from '../../lib/errors/index.js';
import type { RegisterCommands } from '../context.js';
import { openLocal, readLocalConfig } from '../local.js';
import { callApi, remoteFrom } from '../remote.js';

const iso = (ms: number | null): string => (ms === null ? '-' : new Date(ms).toISOString());

interface TestSent {
  channel: { id: string; kind: string };
  message: string;
  outcome: { ok: boolean; retryable?: boolean; status?: number; error?: string; detail?: string };
}

/** `opsbook notify …`: test a channel, see and re-drive dead letters, read an incident's delivery log. */
export const registerNotify: RegisterCommands = (program, io) => {
  /** Sends the test message from the daemon given by `--server`, else from here with the local config. */
  async function testThrough(channelId: string, opts: { config?: string; server?: string; token?: string }): Promise<TestSent> {
    const remote = remoteFrom(opts, io.env);
    if (remote) {
      const sent = await callApi<{ channel: string; kind: string; message: string; outcome: TestSent['outcome'] }>(remote, 'POST', `/api/channels/${encodeURIComponent(channelId)}/test`);
      return { channel: { id: sent.channel, kind: sent.kind }, message: sent.message, outcome: sent.outcome };
    }
    const loaded = await readLocalConfig(opts.config, io.env);
    const channel = loaded.config.channels.find((c) => c.id === channelId);
    if (!channel) {
      const known = loaded.config.channels.map((c) => c.id).join(', ') || 'none';
      throw new OpsbookError('OPSBOOK_E_CHANNEL_UNKNOWN', `no channel ${channelId} in ${loaded.path} (configured: ${known})`, { location: { path: 'channels' } });
    }
    const { sendTestNotification } = await import('../../notify/index.js');
    const { SystemClock } = await import('../../lib/clock.js');
    const { message, outcome } = await sendTestNotification(channel, { clock: new SystemClock(), publicUrl: loaded.config.server.public_url });
    return { channel, message: message.id, outcome };
  }

  const notify = program.command('notify').description('Notification channels, dead letters and the delivery log.');

  notify
    .command('test')
    .description('Send a test notification straight through a channel (not via the outbox) and print the outcome; exit 1 on failure.')
    .argument('<channel>', 'channel id from channels:')
    .option('-c, --config <path>', 'ops.yaml or a directory of YAML files')
    .option('--server <url>', 'a running opsbook to send it from, with an admin token (default OPSBOOK_SERVER)')
    .option('--token <token>', 'API token for --server (default OPSBOOK_TOKEN)')
    .action(async (channelId: string, opts: { config?: string; server?: string; token?: string }) => {
      const { channel, message, outcome } = await testThrough(channelId, opts);
      const status = outcome.status !== undefined ? ` (${channel.kind === 'email' ? 'SMTP' : 'HTTP'} ${outcome.status})` : '';
      if (outcome.ok) {
        io.out(`✔ ${channel.id} (${channel.kind}) accepted test message ${message}${status}`);
      } else {
        io.out(`✖ ${channel.id} (${channel.kind}) refused test message ${message}: ${outcome.error}`);
        io.out(outcome.retryable ? '  the outbox would retry this (5xx, 429, timeout or network error)' : '  the outbox would dead-letter this at once (permanent failure)');
      }
      if (outcome.detail) io.out(`  ${channel.kind === 'email' ? 'SMTP response: ' : ''}${outcome.detail}`);
      process.exitCode = outcome.ok ? 0 : 1;
    });

  notify
    .command('secret')
    .description('Print a new Standard Webhooks signing secret (whsec_…) for a webhook channel’s secrets:.')
    .action(async () => {
      // node:crypto loads here: `opsbook --help` loads this module to list its commands.
      const { randomBytes } = await import('node:crypto');
      io.out(`whsec_${randomBytes(32).toString('base64')}`);
    });

  notify
    .command('dead')
    .description('List dead letters: notifications given up on, with the reason.')
    .option('--json', 'print JSON')
    .option('-c, --config <path>', 'ops.yaml or a directory of YAML files')
    .option('--server <url>', 'a running opsbook to ask (default OPSBOOK_SERVER)')
    .option('--token <token>', 'API token for --server (default OPSBOOK_TOKEN)')
    .action(async (opts: { json?: boolean; config?: string; server?: string; token?: string }) => {
      const remote = remoteFrom(opts, io.env);
      if (remote) {
        const { dead } = await callApi<{ dead: Array<{ id: string; channel: string; event: string; incident: string | null; attempts: number; dead_at: number | null; last_error: string | null }> }>(remote, 'GET', '/api/deliveries/dead');
        if (opts.json) return io.out(JSON.stringify(dead, null, 2));
        io.out(['ID', 'CHANNEL', 'EVENT', 'INCIDENT', 'ATTEMPTS', 'DEAD SINCE', 'REASON'].join('\t'));
        for (const r of dead) io.out([r.id, r.channel, r.event, r.incident ?? '-', r.attempts, iso(r.dead_at), r.last_error ?? '-'].join('\t'));
        return;
      }
      const local = await openLocal(opts.config, io.env);
      try {
        const { listDeadLetters } = await import('../../notify/index.js');
        const rows = await listDeadLetters(local.store);
        if (opts.json) {
          io.out(JSON.stringify(rows, null, 2));
          return;
        }
        io.out(['ID', 'CHANNEL', 'EVENT', 'INCIDENT', 'ATTEMPTS', 'DEAD SINCE', 'REASON'].join('\t'));
        for (const r of rows) io.out([r.id, r.channel_id, r.event, r.incident_id ?? '-', r.attempts, iso(r.dead_at), r.last_error ?? '-'].join('\t'));
      } finally {
        await local.close();
      }
    });

  notify
    .command('redrive')
    .description('Put a dead letter back in the outbox, same id, fresh retry window; the daemon sends it at its next poll.')
    .argument('<id>', 'outbox message id (msg_…)')
    .option('-c, --config <path>', 'ops.yaml or a directory of YAML files')
    .option('--server <url>', 'a running opsbook to ask (default OPSBOOK_SERVER)')
    .option('--token <token>', 'API token for --server (default OPSBOOK_TOKEN)')
    .action(async (id: string, opts: { config?: string; server?: string; token?: string }) => {
      const remote = remoteFrom(opts, io.env);
      if (remote) {
        await callApi(remote, 'POST', `/api/deliveries/${encodeURIComponent(id)}/redrive`);
        io.out(`re-driven ${id}`);
        return;
      }
      const local = await openLocal(opts.config, io.env);
      try {
        const { redriveDeadLetter } = await import('../../notify/index.js');
        await redriveDeadLetter(local.store, local.clock, id);
        io.out(`re-driven ${id}`);
      } finally {
        await local.close();
      }
    });

  notify
    .command('log')
    .description('The delivery log of an incident: every attempt on every channel.')
    .argument('<incident>', 'incident id')
    .option('--json', 'print JSON')
    .option('-c, --config <path>', 'ops.yaml or a directory of YAML files')
    .option('--server <url>', 'a running opsbook to ask (default OPSBOOK_SERVER)')
    .option('--token <token>', 'API token for --server (default OPSBOOK_TOKEN)')
    .action(async (incidentId: string, opts: { json?: boolean; config?: string; server?: string; token?: string }) => {
      const remote = remoteFrom(opts, io.env);
      const local = remote ? undefined : await openLocal(opts.config, io.env);
      try {
        const { incidentDeliveries } = await import('../../notify/index.js');
        const rows = remote
          ? (await callApi<{ deliveries: Awaited<ReturnType<typeof incidentDeliveries>> }>(remote, 'GET', `/api/incidents/${encodeURIComponent(incidentId)}/deliveries`)).deliveries
          : await incidentDeliveries(local!.store.db, incidentId, '<incident>');
        if (opts.json) {
          io.out(JSON.stringify(rows, null, 2));
          return;
        }
        io.out(['AT', 'MESSAGE', 'CHANNEL', 'ATTEMPT', 'OUTCOME', 'STATUS', 'MS', 'ERROR'].join('\t'));
        for (const r of rows) io.out([iso(r.at), r.outbox_id, r.channel_id, r.attempt, r.outcome, r.status_code ?? '-', r.duration_ms, r.error ?? ''].join('\t'));
      } finally {
        await local?.close();
      }
    });
};

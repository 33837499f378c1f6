/**
 * The domain services the pipeline connects, opened from the config: the alert engine (with this
 * process's rules), the incident service, the escalation driver, the outbox worker, the incident
 * effects joining them, the paging watch and the action-link keys. In a cluster each is fenced by
 * the leases. Their callbacks into the pipeline go through `pipeline.ops`, set once it exists.
 */
import { AlertEngine } from '../../alerts/index.js';
import type { Actor } from '../../identity/index.js';
import { IncidentService, type Incident } from '../../incidents/index.js';
import { ActionLinkSigner, loadActionKey, OutboxWorker } from '../../notify/index.js';
import { EscalationDriver } from '../../oncall/index.js';
import { leaseOf } from '../../cluster/index.js';
import { liveMembers, type LeaseToken } from '../../store/index.js';
import { IncidentEffects } from './effects.js';
import type { OperationsHost } from './host.js';
import { alertEngineOptions, incidentConfig, ownedRules, ruleLeases } from './ownership.js';
import { personalRules } from './paging.js';
import { PagingWatch } from './paging-watch.js';
import { recordResponseMissed } from './response-target.js';
import type { StuckEscalations } from './stuck-escalations.js';

/** What the domain services call back into, once the pipeline exists. */
export interface PipelineCallbacks {
  readonly stuckEscalations: StuckEscalations;
  createIncidentUnless(input: Parameters<IncidentService['create']>[0], actor: Actor, alreadyOpen: Parameters<IncidentService['createUnless']>[2]): Promise<Incident | undefined>;
  act(id: string, action: 'resolve', actor: Actor, note?: string): Promise<Incident>;
}

export interface Domains {
  /** Cluster: the lease each rule's state was read under (undefined on one process). */
  ruleTokens: Map<string, LeaseToken> | undefined;
  alerts: AlertEngine;
  incidents: IncidentService;
  escalations: EscalationDriver;
  outbox: OutboxWorker;
  effects: IncidentEffects;
  actionKey: Uint8Array;
  watch: PagingWatch;
  signer: ActionLinkSigner;
}

export async function openDomains(daemon: OperationsHost, pipeline: { ops?: PipelineCallbacks }): Promise<Domains> {
  const { store, clock, config, logger } = daemon;
  const cluster = daemon.cluster;
  const owned = ownedRules(config, cluster);
  // Taken with the rules, before their state is read: the leases their timers write under.
  const ruleTokens = cluster ? ruleLeases(owned.rules, (checkId) => cluster.tokenFor(checkId)) : undefined;
  const alerts = await AlertEngine.open(store, clock, owned.rules, owned.info, alertEngineOptions(cluster));
  const incidents = new IncidentService(store, clock, incidentConfig(config));
  if (cluster) incidents.fence = (trx) => cluster.fence(trx, 'incident write');
  const signer = await ActionLinkSigner.fromStore(store.db, clock, config.server.public_url);
  // The driver's and the worker's callbacks reach the effects through `holder`: they run only after it exists.
  const holder: { effects?: IncidentEffects; watch?: PagingWatch } = {};
  const escalations = new EscalationDriver({
    store,
    clock,
    policies: config.escalation_policies,
    schedules: config.schedules,
    logger,
    rules: (user, severity) => personalRules(daemon.config, user, severity),
    onNotice: (notice, trx) => holder.effects!.onNotice(notice, trx),
    // A step writes its pages' timeline lines: the incident writers' lock first, as every incident write.
    lock: (trx) => holder.effects!.lockIncidentWrites(trx),
    onCommitted: () => holder.effects!.afterCommit(),
    // The response target passed unanswered: its timeline line, in the transaction recording it (which holds the lock).
    onResponseMissed: async (miss, trx) => {
      await recordResponseMissed(daemon, trx, miss);
    },
    // A step that keeps failing raises an incident about opsbook; one that runs again resolves it.
    onStepFailed: (incidentId, failure) => pipeline.ops?.stuckEscalations.stepFailed(incidentId, failure.err, failure.attempts),
    onStepRan: (incidentId) => pipeline.ops?.stuckEscalations.stepRan(incidentId),
    ...(cluster
      ? {
          owns: (incidentId: string) => cluster.tokenFor(incidentId) !== undefined,
          // Not held any more: a token no lease has, so fencing refuses it.
          fence: (incidentId: string, trx) => cluster.fence(trx, 'escalation step', cluster.tokenFor(incidentId) ?? { lease: leaseOf(incidentId, config.storage.cluster.partitions), epoch: -1 }),
          pollMs: Math.max(200, Math.floor(config.storage.cluster.lease / 3)),
        }
      : {}),
  });
  const outbox = new OutboxWorker({
    store,
    clock,
    channels: config.channels,
    logger,
    // Its leases are the member's: when this process's heartbeat lapses, the others send what it was sending.
    ...(cluster ? { owner: cluster.id } : {}),
    linkSigner: signer,
    // Experimental, off by default: the channels' sends on a thread of their own (see SendThread).
    // Under a storm of new incidents it took 10–30 % of the CPU per incident off the event loop; a
    // higher rate is not shown yet on a 2-core machine (docs/benchmarks.md, 7 Dec 07:35–08:46).
    sendThread: process.env.OPSBOOK_SEND_THREAD === '1',
    onSettled: (e) => {
      holder.watch?.onSettled(e);
      void holder.effects!.recordDelivery(e);
    },
    settleIn: (trx, settle) => holder.effects!.settleDeliveries(trx, settle),
  });
  const effects = new IncidentEffects(daemon, incidents, escalations, outbox);
  holder.effects = effects;
  const watch = new PagingWatch(
    {
      store,
      clock,
      config: () => daemon.config,
      logger,
      open: (input, actor, alreadyOpen) => pipeline.ops!.createIncidentUnless(input, actor, alreadyOpen),
      resolve: async (id, actor, note) => {
        await pipeline.ops!.act(id, 'resolve', actor, note);
      },
      member: () => daemon.cluster?.id,
      liveMembers: async () => (daemon.cluster ? (await liveMembers(store.db)).map((m) => m.id) : []),
    },
    daemon.metrics.registry,
  );
  holder.watch = watch;
  const actionKey = await loadActionKey(store.db, clock);
  return { ruleTokens, alerts, incidents, escalations, outbox, effects, actionKey, watch, signer };
}

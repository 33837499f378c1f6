/**
 * What people (and scheduled procedures) do to incidents: move one along, escalate it, add a
 * responder, change its severity, open one by hand. Each runs in the pipeline's queue, ahead of
 * queued results, so it never interleaves with the alerts' own effects.
 */
import type { UnattendedRun } from '../../executions/index.js';
import type { Actor } from '../../identity/index.js';
import { configuredLadder, OPEN_STATES, type Incident, type IncidentResult, type IncidentRole, type IncidentService } from '../../incidents/index.js';
import type { AlertCommit } from './alert-commit.js';
import type { IncidentEffects, StartedInTransaction } from './effects.js';
import { addResponder, escalateNow, type EscalateDeps } from './escalate.js';
import type { Pipeline } from './pipeline.js';

/** States in which an action has nothing left to do. */
const ALREADY: Record<'acknowledge' | 'investigate' | 'mitigate' | 'resolve' | 'review', readonly string[]> = {
  acknowledge: ['acknowledged', 'investigating', 'mitigated'],
  investigate: ['investigating'],
  mitigate: ['mitigated'],
  resolve: ['resolved', 'reviewed'],
  review: ['reviewed'],
};

export class IncidentActions {
  constructor(
    private readonly pipeline: Pipeline,
    private readonly incidents: IncidentService,
    private readonly effects: IncidentEffects,
    private readonly commit: AlertCommit,
  ) {}

  /**
   * A person moves an incident along; the effects (escalation stop, status notifications) follow.
   * Runs in the pipeline's queue, so a person's action and the alerts' own effects (an
   * auto-resolve) never interleave. Asking for a state the incident has already reached — two
   * responders pressing Resolve, or Resolve just after the alerts resolved it — is answered with
   * the incident as it is, not an error. A note that came with it still goes on the timeline (what
   * the person wrote is not lost because someone, or the alerts, got there first).
   */
  act(id: string, action: 'acknowledge' | 'investigate' | 'mitigate' | 'resolve' | 'review', actor: Actor, note?: string): Promise<Incident> {
    return this.pipeline.enqueue(async () => {
      const current = await this.incidents.get(id);
      if (ALREADY[action].includes(current.state)) {
        if (note !== undefined && note.trim() !== '') await this.incidents.addNote(id, actor, note);
        return note !== undefined && note.trim() !== '' ? this.incidents.get(id) : current;
      }
      const result = await this.incidents[action](id, actor, note);
      this.commit.firingAlerts.forgetIncident(id);
      // The action stands once committed: the person is answered with it, not with an error that
      // asks for a second try (which finds it done and does nothing). An escalation that could not
      // be stopped is stopped at the next look for missed pages.
      await this.commit.applyEffects(result).catch((err: unknown) => {
        this.pipeline.daemon.logger.error({ err, incident: id, action }, 'incident action recorded, but its effects failed; a running daemon stops its escalation within a minute');
      });
      return result.incident;
    }, { urgent: true, answered: true });
  }

  /** Escalate now: the incident's next escalation step is paged at once (see `escalateNow`). */
  escalate(id: string, actor: Actor, note?: string): Promise<Incident> {
    return this.paging(id, (deps, incident) => escalateNow(deps, incident, actor, note));
  }

  /** Adds a person as a responder and pages them while the incident is open (see `addResponder`). */
  addResponder(id: string, person: string, actor: Actor): Promise<Incident> {
    return this.paging(id, (deps, incident) => addResponder(deps, incident, person, actor));
  }

  /** A person's action that pages on the incident, ahead of queued alerts; the incident as it left it. */
  private paging(id: string, act: (deps: EscalateDeps, incident: Incident) => Promise<unknown>): Promise<Incident> {
    return this.pipeline.enqueue(async () => {
      await act(this.escalateDeps(), await this.incidents.get(id));
      const incident = await this.incidents.get(id);
      this.pipeline.emit({ type: 'incident', incident });
      return incident;
    }, { urgent: true, answered: true });
  }

  /**
   * A person changes the incident's severity (API, UI, CLI): the response target follows, and so
   * does its running escalation — the later steps are the new severity's (see `reviseEscalation`).
   * The revision commits with the change: a change whose revision cannot be written is not made
   * (the person is answered with the error, and a second try changes both), so an escalation never
   * goes on paging on the old severity's timings.
   */
  changeSeverity(id: string, severity: string, actor: Actor, note?: string): Promise<Incident> {
    return this.pipeline.enqueue(async () => {
      let revised = false;
      const incident = await this.incidents.changeSeverity(id, severity, actor, note, async (trx, changed) => {
        if (OPEN_STATES.includes(changed.state)) revised = await this.effects.reviseIn(trx, changed);
      });
      if (revised) this.effects.afterCommit();
      this.pipeline.emit({ type: 'incident', incident });
      return incident;
    }, { urgent: true, answered: true });
  }

  private escalateDeps(): EscalateDeps {
    return { host: this.pipeline.daemon, incidents: this.incidents, effects: this.effects };
  }

  /** Opens an incident by hand with its response roles given at once (commander, communications, responders). */
  async declare(input: Parameters<IncidentService['create']>[0] & { roles?: Array<{ role: IncidentRole; person: string }> }, actor: Actor): Promise<Incident> {
    const { roles = [], ...rest } = input;
    const incident = await this.createIncident(rest, actor);
    for (const r of roles) if (r.person) await this.incidents.assignRole(incident.id, r.role, r.person, actor);
    return incident;
  }

  /**
   * Opens an incident by hand: its escalation and first pages commit with it, as an alert group's
   * new incidents' do (see startInTransaction). A page that cannot be written then is tried once
   * after the commit; the incident stands either way (the person is answered with it, not asked
   * to open it again), and a page still unwritten goes out at the next look for missed pages.
   */
  async createIncident(input: Parameters<IncidentService['create']>[0], actor: Actor): Promise<Incident> {
    return (await this.createIncidentUnless(input, actor, undefined))!;
  }

  /**
   * Opens an incident as createIncident does, unless `alreadyOpen` answers true in its transaction
   * (see IncidentService.createUnless): undefined then, and nothing written or paged.
   */
  async createIncidentUnless(input: Parameters<IncidentService['create']>[0], actor: Actor, alreadyOpen: Parameters<IncidentService['createUnless']>[2]): Promise<Incident | undefined> {
    let inTransaction = undefined as StartedInTransaction | undefined;
    let result: IncidentResult | undefined;
    try {
      result = await this.incidents.createUnless(input, actor, alreadyOpen, async (trx, r) => {
        inTransaction = await this.effects.startInTransaction(trx, r.effects.map((effect) => ({ effect, incident: r.incident })));
      });
    } catch (e) {
      inTransaction?.failed();
      throw e;
    }
    if (!result) return undefined;
    const opened = result;
    await inTransaction?.committed();
    await this.commit.applyEffects(opened, inTransaction?.started).catch((err: unknown) => {
      this.pipeline.daemon.logger.error({ err, incident: opened.incident.id }, 'incident opened, but its page could not be written; a running daemon tries again within a minute');
    });
    return opened.incident;
  }

  /** A procedure run by `cron` that did not pass opens an incident (restore test, DR drill, morning checks). */
  async procedureFailed(run: UnattendedRun): Promise<void> {
    const severity = configuredLadder(this.pipeline.daemon.config.severities).aboutOpsbook;
    await this.createIncident(
      {
        title: `Scheduled procedure ${run.procedure} did not pass`,
        severity,
        labels: { procedure: run.procedure, execution: run.id },
        runbook: run.procedure,
      },
      { name: 'system:scheduler', role: 'admin', via: 'system' },
    );
  }
}

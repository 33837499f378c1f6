import { SystemClock, type Clock } from '../lib/clock.js';
import type { Store } from '../store/index.js';
import { describeConfigProblems, formatIssue, keepRunning, restartNeeded, type OpsConfig } from '../config/index.js';
import { basename, isAbsolute, relative } from 'node:path';
import { filesRead, loadOpsConfig, type ConfigSources, type OpsConfigLoadResult } from './config.js';
import { openConfiguredStore, openLeaseStore } from './store.js';
import { Housekeeping } from './housekeeping.js';
import { StatusPublisher } from './status-publisher.js';
import { ShiftReminders } from './shift-reminders.js';
import { OpsbookError } from '../lib/errors/index.js';
import { endProcessGroups } from '../lib/process-groups.js';
import { createDaemonMetrics, type DaemonMetrics } from './metrics.js';
import { createLogger, type Logger } from './logger.js';
import { reportReload } from './reload-report.js';
import { VERSION } from './version.js';
import { publishAuditHead } from './audit-head.js';
import { Operations } from './operations/index.js';
import { StoreReadiness, type ReadinessCheck } from './store-readiness.js';
import { BroadSilences } from './broad-silences.js';
import type { ReloadOutcome } from './operations/host.js';
import { STOPPED_STEPS_GRACE_MS, type ExecutionService } from '../executions/index.js';
import { SampleStore, Scraper } from '../samples/index.js';
import type { SeriesSource } from '../promql/index.js';
import { ClusterCoordinator } from '../cluster/index.js';
import type { Runbook } from '../runbooks/index.js';
import type { RuleGroupSpec } from '../alerts/rule-files/index.js';
// What Operations loads in `start` (so that a one-shot command acting through Operations.create never
// loads it) loads here with the daemon, before the port is bound: a started daemon does not pause
// to import its runbook executions, SLO evaluation or rule files after it answers ready.
import '../executions/index.js';
import '../slos/index.js';
import '../alerts/rule-files/index.js';
import '../runbooks/index.js';

export interface DaemonOptions {
  configPath: string;
  /**
   * Run the operations pipeline (checks, alerts, incidents, escalation, outbox). Default true;
   * `deferred`: the caller starts it with `startOperations()` (serve binds its port first).
   */
  operations?: boolean | 'deferred';
  /** `serve --port/--host`: they win over `server:` at every load, and a default public_url follows them. */
  server?: ServerOverrides;
  clock?: Clock;
  logger?: Logger;
  env?: NodeJS.ProcessEnv;
  /**
   * The samples `rule_files:` rules read (a SeriesSource; when it is also a SeriesSink, recording
   * rules write to it). Default: the daemon's sample store (`scrape:` jobs and metrics checks).
   */
  series?: SeriesSource;
  /**
   * How often, on `clock`, the check results are written to the store in one transaction (default
   * 1 s). A game day's simulated clock runs many times faster than real time: at 1 s it would pay a
   * transaction per timer step, for a history nothing in it reads; it writes once a simulated minute.
   */
  historyFlushMs?: number;
  /** How often, on `clock`, check results are rolled up and pruned past retention (default 1 min); a game day: every 15 simulated minutes. */
  historyRollupMs?: number;
}

export interface ServerOverrides {
  port?: number;
  host?: string;
}

/** The config with `serve`'s flags applied; a public_url the config did not set names the flags' port and host. */
export function withServerOverrides(config: OpsConfig, o: ServerOverrides | undefined): OpsConfig {
  if (!o || (o.port === undefined && o.host === undefined)) return config;
  const s = config.server;
  const defaulted = s.public_url === defaultPublicUrl(s.host, s.port);
  const server = { ...s, ...(o.port !== undefined ? { port: o.port } : {}), ...(o.host !== undefined ? { host: o.host } : {}) };
  return { ...config, server: { ...server, public_url: defaulted ? defaultPublicUrl(server.host, server.port) : s.public_url } };
}

function defaultPublicUrl(host: string, port: number): string {
  return `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`;
}

/** A long-running part of opsbook (scheduler, escalation timers, outbox worker…). */
export interface Component {
  name: string;
  start(): Promise<void> | void;
  /** Finish in-flight work, giving up at `deadline` (epoch ms). */
  stop(deadline: number): Promise<void> | void;
  /** How much longer than the deadline its stop may take (a stop that bounds itself past it). */
  readonly stopGraceMs?: number;
  /**
   * A new config was accepted; pick up what changed. A part that could not take the new config and
   * keeps running the old one says so (`kept`): the reload is then counted `partial`.
   */
  reload?(config: OpsConfig): Promise<ReloadOutcome | void> | ReloadOutcome | void;
}

export type { ReadinessCheck };

export interface Readiness {
  status: 'ready' | 'not_ready';
  /** `writes`: failing while the store refuses writes for lack of space (pages go out from memory). */
  checks: { config: ReadinessCheck; store: ReadinessCheck; migrations: ReadinessCheck; writes: ReadinessCheck; pipeline?: ReadinessCheck; cluster?: ReadinessCheck; silences?: ReadinessCheck };
}

/**
 * The running opsbook: config, store, clock, log, metrics and the components that do the work.
 * Transports (HTTP, CLI) sit on top of it; it never imports them.
 */
export class Daemon {
  readonly metrics: DaemonMetrics;
  private components: Component[] = [];
  private closers: Array<{ name: string; close: () => Promise<void> }> = [];
  private stopping = false;
  private starting: Promise<void> | undefined;
  /** Scrapes the `scrape:` jobs into `samples`; runs with the operations pipeline. */
  scraper: Scraper | undefined;
  /** The running pipeline; absent when started with `operations: false`. */
  operations: Operations | undefined;
  /** Reminds people before their shifts; runs with the operations pipeline. */
  shiftReminders: ShiftReminders | undefined;
  /** On PostgreSQL, with the pipeline running: this process's share of the work (docs/cluster.md). */
  cluster: ClusterCoordinator | undefined;
  private reloading: Promise<boolean> | undefined;
  private serverOverrides: ServerOverrides | undefined;
  private unpublishAuditHead: (() => Promise<void>) | undefined;
  /** The samples rule files read (`DaemonOptions.series`, else the sample store's series). */
  readonly series: SeriesSource;
  /** The store half of readiness, answered within a bound (a stalled database never answers). */
  private readonly storeReadiness: StoreReadiness;
  /** Stored silences that take in more than a new one may: warned of at start and reload, named in readiness. */
  private readonly broadSilences: BroadSilences;
  /**
   * What the running config's load read, and what the latest load read (the same unless that reload
   * was refused): the config watch watches both, so fixing a file a refused config read applies it.
   */
  sources: { running: ConfigSources; latest: ConfigSources };

  private constructor(
    readonly options: DaemonOptions,
    public config: OpsConfig,
    public configFiles: string[],
    /**
     * The runbooks of `config`, as the config load that accepted it read and validated them: what
     * runs (procedures, runbook steps). A reload replaces them with the config; a rejected one keeps both.
     */
    public runbooks: Runbook[],
    /** The groups of `rule_files:`, as the same load read and checked them; replaced and kept with the runbooks. */
    public ruleGroups: RuleGroupSpec[],
    sources: ConfigSources,
    /** Directory relative paths in the config (runbooks, data_dir) resolve against. */
    readonly baseDir: string,
    readonly store: Store,
    readonly clock: Clock,
    readonly logger: Logger,
    /**
     * Scraped samples over `samples.retention` (the `scrape:` jobs and metrics checks append to it);
     * `samples.series()` is the SeriesSource PromQL rules read.
     */
    readonly samples: SampleStore,
  ) {
    this.serverOverrides = options.server;
    this.sources = { running: sources, latest: sources };
    this.storeReadiness = new StoreReadiness(store);
    this.broadSilences = new BroadSilences(store, clock, logger);
    this.series = options.series ?? samples.series();
    this.metrics = createDaemonMetrics(VERSION);
    this.metrics.configLoadedAt.set(clock.now() / 1000);
    this.metrics.up.set(1);
  }

  get historyFlushMs(): number | undefined {
    return this.options.historyFlushMs;
  }

  get historyRollupMs(): number | undefined {
    return this.options.historyRollupMs;
  }

  /** Loads and validates the config, opens the store and applies migrations. */
  static async start(options: DaemonOptions): Promise<Daemon> {
    const clock = options.clock ?? new SystemClock();
    const loaded = await loadOpsConfig(options.configPath, { env: options.env ?? process.env });
    if (!loaded.ok) {
      throw new OpsbookError('OPSBOOK_E_CONFIG_INVALID', describeConfigProblems(options.configPath, loaded.issues));
    }
    const logger = options.logger ?? createLogger({ level: loaded.config.server.log_level });
    const store = await openConfiguredStore(loaded.config, loaded.baseDir);
    try {
      const report = await store.migrate();
      if (report.applied.length > 0) logger.info({ applied: report.applied, store: store.location }, 'migrations applied');
    } catch (e) {
      await store.close();
      throw e;
    }
    let samples: SampleStore;
    try {
      samples = await SampleStore.open(store, clock, {
        retentionMs: loaded.config.samples.retention,
        flushMs: loaded.config.samples.flush_interval,
        onError: (what, err) => logger.error({ err }, what === 'flush' ? 'scraped samples could not be written; kept in memory and written at the next flush' : 'old scraped samples could not be dropped; tried again at the next prune'),
      });
    } catch (e) {
      await store.close();
      throw e;
    }
    const daemon = new Daemon(options, withServerOverrides(loaded.config, options.server), loaded.files, loaded.runbooks, loaded.ruleGroups, loaded.sources, loaded.baseDir, store, clock, logger, samples);
    daemon.unpublishAuditHead = await publishAuditHead(store, loaded.config, loaded.baseDir, logger);
    await daemon.broadSilences.look();
    if (options.operations === 'deferred') return daemon;
    if (options.operations !== false) {
      try {
        await daemon.startOperations();
      } catch (e) {
        await store.close();
        throw e;
      }
    } else daemon.logStarted();
    return daemon;
  }

  /**
   * Starts the operations pipeline (once); `Daemon.start` does it unless told `operations: 'deferred'`.
   * A close() that arrives meanwhile (a signal during start-up) waits for the part being started,
   * and the parts after it are not started.
   */
  startOperations(): Promise<void> {
    this.starting ??= this.startPipeline().finally(() => {
      if (!this.operations) this.starting = undefined;
    });
    return this.starting;
  }

  private async startPipeline(): Promise<void> {
    if (this.operations) return;
    await this.addComponent({
      name: 'samples',
      start: () => this.samples.start(),
      stop: () => this.samples.stop(),
      reload: (config) => this.samples.reconfigure({ retentionMs: config.samples.retention, flushMs: config.samples.flush_interval }),
    });
    const scraper = (this.scraper = new Scraper({
      samples: this.samples,
      clock: this.clock,
      jobs: this.config.scrape,
      onScrape: (target, outcome) => {
        if (outcome.error) this.logger.warn({ job: target.job, url: target.url, error: outcome.error }, 'scrape failed');
      },
    }));
    await this.addComponent({ name: 'scraper', start: () => scraper.start(), stop: () => scraper.stop(), reload: (config) => scraper.reload(config.scrape) });
    if (this.store.dialect === 'postgres') {
      const cluster = (this.cluster = new ClusterCoordinator({
        store: this.store,
        leaseStore: await openLeaseStore(this.config, this.baseDir),
        leaseMs: this.config.storage.cluster.lease,
        partitions: this.config.storage.cluster.partitions,
        url: this.config.server.public_url,
        ...(this.config.storage.cluster.member !== undefined ? { name: this.config.storage.cluster.member } : {}),
        // Off only to show the chaos harness catches stale writes (docs/cluster.md).
        fencing: (this.options.env ?? process.env).OPSBOOK_CLUSTER_FENCING !== 'off',
        logger: this.logger,
        registry: this.metrics.registry,
        onChange: () => void this.operations?.moveWork(),
      }));
      // Stopped after the pipeline (components stop in reverse): its leases are given back last.
      // Joined now, but takes its share of the leases only once the pipeline runs (below).
      await this.addComponent({ name: 'cluster', start: () => cluster.join(), stop: () => cluster.stop(), reload: (config) => cluster.setUrl(config.server.public_url) });
    }
    if (this.stopping) throw stoppingError('operations');
    this.operations = await Operations.create(this);
    await this.addComponent(this.operations);
    // Its first round's change of leases moves their checks, rules and escalations into the pipeline:
    // started means running them.
    if (this.cluster) {
      await this.cluster.take();
      await this.operations.workMoved();
    }
    await this.addComponent(new Housekeeping(this));
    await this.addComponent(new StatusPublisher(this));
    await this.addComponent((this.shiftReminders = new ShiftReminders(this)));
    this.logStarted();
  }

  /** Serve's port changed after the start (`--port 0` bound a free one): the config and links follow. */
  setServerOverrides(o: ServerOverrides): void {
    this.serverOverrides = o;
    this.config = withServerOverrides(this.config, o);
  }

  private logStarted(): void {
    this.logger.info({ config: this.configFiles, store: this.store.location, dialect: this.store.dialect }, 'opsbook started');
  }

  /** The runbook execution service of the running pipeline. */
  get executions(): ExecutionService | undefined {
    return this.operations?.executions;
  }

  /** Adds and starts a component; it is stopped in reverse order on close. */
  async addComponent(component: Component): Promise<void> {
    if (this.stopping) throw stoppingError(component.name);
    await component.start();
    this.components.push(component);
  }

  /** Something to close before the components stop (the HTTP server: stop accepting first). */
  addCloser(name: string, close: () => Promise<void>): void {
    this.closers.push({ name, close });
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  async readiness(): Promise<Readiness> {
    // File names only: the probe is public, and an absolute path tells a stranger about the host.
    // A rejected reload leaves the daemon ready (it runs on the config it had), but says so: the files
    // on disk are not what runs. How many problems, not what they are: the probe is public, the log says.
    // Rule files and runbooks relative to the config's folder (one outside it by its name only), at most a few of each.
    const read = (what: string, all: string[]) => {
      const files = all.slice(0, 10).map((f) => (f.startsWith('..') || isAbsolute(f) ? basename(f) : f));
      return all.length ? `; ${what}: ${files.join(', ')}${all.length > 10 ? ` and ${all.length - 10} more` : ''}` : '';
    };
    const { running } = this.sources;
    const files = this.configFiles.map((f) => basename(f)).join(', ') + read('rule files', filesRead(running, 'rule_files')) + read('runbooks', filesRead(running, 'runbooks'));
    const rejected = this.lastRejectedReload;
    const config: ReadinessCheck = rejected
      ? { status: 'ok', detail: `${files}; the reload at ${new Date(rejected.at).toISOString()} was rejected (${rejected.problems} problem${rejected.problems === 1 ? '' : 's'}, see the log): running the config loaded before` }
      : { status: 'ok', detail: files };
    const asked = performance.now();
    const { store, migrations } = await this.storeReadiness.check();
    const full = this.operations?.storeFull.status;
    const writes: ReadinessCheck = full
      ? { status: 'failing', detail: `disk full since ${new Date(full.since).toISOString()}: ${full.reason}; ${full.held} alert(s) paged from memory, not yet recorded` }
      : { status: 'ok' };
    // Serve binds its port before the pipeline starts: until it runs, alerts sent here are refused.
    const pipeline: ReadinessCheck | undefined =
      this.options.operations === false ? undefined : this.operations ? { status: 'ok' } : { status: 'failing', detail: 'starting: the operations pipeline (checks, alerts, pages) is not running yet' };
    const health = this.cluster?.status;
    const cluster: ReadinessCheck | undefined = health
      ? health.ok
        ? { status: 'ok', detail: `${this.cluster!.leases.size} lease(s) held` }
        : { status: 'failing', detail: `holds no lease, runs no check and sends no page: ${health.reason}` }
      : undefined;
    // Within what is left of the store's bound: a store that stalls after answering its check must not hold the probe.
    const silences = await this.broadSilences.readiness(store.status === 'ok', this.storeReadiness.boundMs - (performance.now() - asked));
    const ok = !this.stopping && [config, store, migrations, writes, ...(pipeline ? [pipeline] : []), ...(cluster ? [cluster] : [])].every((c) => c.status === 'ok');
    return { status: ok ? 'ready' : 'not_ready', checks: { config, store, migrations, writes, ...(pipeline ? { pipeline } : {}), ...(cluster ? { cluster } : {}), ...(silences ? { silences } : {}) } };
  }

  /**
   * Re-reads the config. A config that fails validation is rejected with its errors logged and the
   * running one kept. Concurrent calls share one reload.
   */
  reload(): Promise<boolean> {
    this.reloading ??= this.doReload().finally(() => {
      this.reloading = undefined;
    });
    return this.reloading;
  }

  /**
   * A reload that reads the files as they are now: one already in flight (a SIGHUP's, which may have
   * read them before the change that calls this) is let finish, then another runs. Callers at the same
   * time share that second one.
   */
  async reloadAfterChange(changed: string[] = []): Promise<boolean> {
    const inFlight = this.reloading;
    if (inFlight) await inFlight;
    for (const f of changed) this.changed.add(f);
    return this.reload();
  }

  /** The files seen to change (absolute) since the last reload began reading: its log line names them. */
  private readonly changed = new Set<string>();

  /** The latest reload, when it was rejected (cleared by one that is not): readiness tells of it. */
  private lastRejectedReload: { at: number; problems: number } | undefined;

  private rejectedReload(rejected: { at: number; problems: number }): void {
    this.lastRejectedReload = rejected;
    this.metrics.configReloads.inc({ result: 'rejected' });
    this.metrics.configLastReloadSuccessful.set(0);
  }

  private async doReload(): Promise<boolean> {
    const changed = [...this.changed];
    this.changed.clear();
    let loaded: OpsConfigLoadResult;
    try {
      loaded = await loadOpsConfig(this.options.configPath, { env: this.options.env ?? process.env, maxBytes: this.config.config.max_bytes });
    } catch (e) {
      // loadConfig reports bad input as issues; whatever else goes wrong must not stop the daemon.
      // Nothing is known to have been read: the watch looks at the running config's files only.
      this.sources = { running: this.sources.running, latest: { files: this.sources.running.files, globs: [] } };
      this.rejectedReload({ at: this.clock.now(), problems: 1 });
      this.logger.error({ err: e }, 'config reload failed; keeping the running config');
      return false;
    }
    this.sources = { running: loaded.ok ? loaded.sources : this.sources.running, latest: loaded.sources };
    if (!loaded.ok) {
      const issues = loaded.issues.map(formatIssue);
      this.rejectedReload({ at: this.clock.now(), problems: issues.length });
      this.logger.error({ issues }, 'config reload rejected; keeping the running config');
      return false;
    }
    this.lastRejectedReload = undefined;
    this.metrics.configLastReloadSuccessful.set(1);
    const running = this.config;
    const next = withServerOverrides(loaded.config, this.serverOverrides);
    // Settings read only at start keep their running value, in force and in the config the parts
    // read; a public_url that follows the address follows the one bound (withServerOverrides).
    const restart = restartNeeded(running, next);
    this.config = keepRunning(withServerOverrides(next, { port: running.server.port, host: running.server.host }), running, restart);
    this.configFiles = loaded.files;
    this.runbooks = loaded.runbooks;
    this.ruleGroups = loaded.ruleGroups;
    if (this.config.server.log_level !== running.server.log_level) this.logger.level = this.config.server.log_level;
    const kept: string[] = [];
    for (const c of this.components) {
      try {
        kept.push(...((await c.reload?.(this.config)) || { kept: [] }).kept);
      } catch (err) {
        // A store error, say: reported here, for the watcher and SIGHUP await no reload (an error
        // escaping would end the process). The next reload applies the part it did not.
        this.logger.error({ err, part: c.name }, 'config reload failed for a part of opsbook; it is applied at the next reload');
        kept.push(`${c.name} (${err instanceof Error ? err.message : String(err)})`);
      }
    }
    this.metrics.configLoadedAt.set(this.clock.now() / 1000);
    const named = (f: string) => relative(loaded.baseDir, f);
    reportReload(this.logger, this.metrics, {
      files: loaded.files,
      changed: changed.map(named).sort(),
      ruleFiles: filesRead(loaded.sources, 'rule_files'),
      runbooks: filesRead(loaded.sources, 'runbooks'),
      restartNeeded: restart,
      kept,
    });
    await this.broadSilences.look();
    return true;
  }

  /**
   * opsbook is forced out (a second signal) and exits without closing: the runbook steps running are
   * told to stop (a shell step's process group gets SIGTERM now), and every process group opsbook
   * started that still runs (a step's, a command check's) gets SIGKILL FORCED_EXIT_GRACE_MS later at
   * most, so that no command outlives it, even one that ignores SIGTERM. Their entries stay
   * `running`, marked interrupted at the next start. Resolves when opsbook may exit.
   */
  async abortSteps(signal: NodeJS.Signals): Promise<void> {
    try {
      this.operations?.abortSteps(`opsbook was forced to exit (${signal})`);
    } finally {
      await endProcessGroups(FORCED_EXIT_GRACE_MS);
    }
  }

  /**
   * Stops accepting work, lets in-flight work finish until the shutdown deadline, then closes the
   * store. Runbook steps still running at the deadline are stopped and recorded interrupted, saying
   * `opsbook stopped (SIGNAL)`. Safe to call more than once.
   * @param signal The signal that stopped opsbook (SIGTERM), named in the steps it interrupts.
   */
  async close(signal?: NodeJS.Signals): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.metrics.up.set(0);
    // A start in progress finishes the part it is starting (then stops adding more) before anything stops.
    await this.starting?.catch(() => undefined);
    const deadline = Date.now() + this.config.server.shutdown_timeout;
    this.logger.info({ deadline_ms: this.config.server.shutdown_timeout }, 'shutting down');
    // Probing stops first, and a cluster member takes or gives back no lease from now on (but the
    // singletons, given back at once): what is queued drains under the leases it holds (renewed
    // meanwhile) while the rest stops, and the leases are freed last, once drained or handed over
    // (docs/cluster.md, "A clean stop").
    this.cluster?.drain();
    const intake = this.operations?.stopIntake();
    // No runbook step starts from now on; those running get until the deadline, then their commands
    // are stopped and they are recorded interrupted by this process (docs/runbooks.md).
    const steps = this.operations?.stopSteps({ deadline, why: signal ? `opsbook stopped (${signal})` : 'opsbook stopped' }) ?? Promise.resolve(0);
    const closing = this.closers.map((c) => ({ name: c.name, closed: c.close() }));
    const stepsBound = deadline + STOPPED_STEPS_GRACE_MS + 1000;
    let stopped = 0;
    await withDeadline(steps.then((n) => void (stopped = n)), stepsBound, () => this.logger.warn({ part: 'runbook steps' }, 'gave up waiting'));
    // Steps stopped at the deadline took the stop past it: what follows (a request answering with the
    // step it ran, scheduled procedures ending with their steps, the parts) gets a short bound of its own.
    const rest = stopped > 0 ? Math.max(deadline, Date.now() + AFTER_STOPPED_STEPS_MS) : deadline;
    for (const c of closing) await withDeadline(c.closed, rest, () => this.logger.warn({ part: c.name }, 'gave up waiting'));
    await withDeadline(intake ?? Promise.resolve(), rest, () => this.logger.warn({ part: 'probes' }, 'gave up waiting'));
    for (const c of [...this.components].reverse()) {
      await withDeadline(Promise.resolve(c.stop(rest)), rest + (c.stopGraceMs ?? 0), () => this.logger.warn({ part: c.name }, 'gave up waiting'));
    }
    await this.unpublishAuditHead?.();
    // What was appended since the last flush (the scrapes of the last seconds) is kept for the restart.
    await withDeadline(this.samples.stop().catch((e: unknown) => this.logger.error({ err: e }, 'samples could not be written')), rest, () => this.logger.warn({ part: 'samples' }, 'gave up waiting'));
    await this.store.close();
    this.logger.info('stopped');
    this.logger.flush?.();
  }
}

/** After runbook steps had to be stopped past the shutdown deadline, the bound of the rest of the stop. */
const AFTER_STOPPED_STEPS_MS = 2000;
/** On a forced exit, how long the commands running get to end on SIGTERM before SIGKILL: the exit stays prompt. */
const FORCED_EXIT_GRACE_MS = 200;

/** A part not started because a close() arrived during the start (see startOperations). */
export function stoppingError(part: string): OpsbookError {
  return new OpsbookError('OPSBOOK_E_STOPPING', `not starting ${part}: opsbook is stopping`);
}

async function withDeadline(work: Promise<void>, deadline: number, onTimeout: () => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), Math.max(0, deadline - Date.now()));
  });
  const outcome = await Promise.race([work.then(() => 'done' as const, () => 'done' as const), timeout]);
  clearTimeout(timer);
  if (outcome === 'timeout') onTimeout();
}

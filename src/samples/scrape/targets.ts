import type { ScrapeJob } from '../../config/schema/scrape.js';
import { relabel, type LabelSet } from './relabel.js';

/** One target of a scrape job after target relabelling: where to scrape and the labels its series carry. */
export interface ScrapeTarget {
  /** Stable identity: the job and the target's labels. */
  key: string;
  job: string;
  url: string;
  /** `job`, `instance` and the static and relabelled labels, none starting with `__`. */
  labels: LabelSet;
  intervalMs: number;
  timeoutMs: number;
  honorLabels: boolean;
  metricRelabel: ScrapeJob['metric_relabel_configs'];
}

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * The targets of a job as Prometheus derives them: each address starts with `__address__`,
 * `__scheme__`, `__metrics_path__`, `__param_<name>` and `job` plus its static labels; the
 * `relabel_configs` run over that (a dropped target is not scraped); labels starting with `__` are
 * then removed, and `instance` defaults to the address.
 */
export function jobTargets(job: ScrapeJob): ScrapeTarget[] {
  const timeoutMs = job.scrape_timeout ?? Math.min(DEFAULT_TIMEOUT_MS, job.interval);
  const groups = [...(job.targets.length > 0 ? [{ targets: job.targets, labels: job.labels }] : []), ...job.static_configs];
  const out: ScrapeTarget[] = [];
  for (const group of groups) {
    for (const address of group.targets) {
      const base: LabelSet = {
        job: job.job,
        ...group.labels,
        __address__: address,
        __scheme__: job.scheme,
        __metrics_path__: job.metrics_path,
      };
      for (const [name, values] of Object.entries(job.params)) if (values[0] !== undefined) base[`__param_${name}`] = values[0];
      const relabelled = relabel(base, job.relabel_configs);
      if (!relabelled || !relabelled.__address__) continue;
      const labels = Object.fromEntries(Object.entries(relabelled).filter(([n, v]) => !n.startsWith('__') && v !== ''));
      labels.instance ??= relabelled.__address__;
      const params = new URLSearchParams();
      for (const [name, values] of Object.entries(job.params)) {
        const relabelledValue = relabelled[`__param_${name}`];
        if (relabelledValue !== undefined) params.append(name, relabelledValue);
        for (const v of values.slice(1)) params.append(name, v);
      }
      const query = params.toString();
      const url = `${relabelled.__scheme__ ?? job.scheme}://${relabelled.__address__}${relabelled.__metrics_path__ ?? job.metrics_path}${query ? `?${query}` : ''}`;
      out.push({
        key: `${job.job}\u0000${JSON.stringify(Object.entries(labels).sort())}`,
        job: job.job,
        url,
        labels,
        intervalMs: job.interval,
        timeoutMs,
        honorLabels: job.honor_labels,
        metricRelabel: job.metric_relabel_configs,
      });
    }
  }
  return out;
}

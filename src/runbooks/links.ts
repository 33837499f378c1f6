import { findProcedure } from './find.js';
import { anchorOf } from './markdown.js';
import type { Procedure, Runbook } from './model.js';
import { slug } from './procedures.js';

export interface LinkOptions {
  /** Where the runbooks are published (`https://runbooks.example.org/runbooks/`); config `runbooks.url_prefixes`. */
  urlPrefixes?: readonly string[];
  /**
   * Also resolve a URL under no configured prefix by the end of its path (import does: the URLs in
   * the rules it reads point at the runbooks it is given).
   */
  anyPrefix?: boolean;
  /** The alert's name, to pick a procedure in a file that holds several. */
  alertName?: string;
}

/** Annotations that carry a runbook link, in the order they are tried. */
export const RUNBOOK_ANNOTATIONS = ['runbook', 'runbook_url', 'playbook', 'playbook_url', 'runbookUrl'] as const;

const EXTENSIONS = /(\.html?\.md|\.html?|\.md|\.markdown|\.mdx|\.adoc|\.txt)$/i;
const INDEX = /(^|\/)(index|_index|readme)$/i;

/** A file or URL path without its extension and index page name, lower case: `runbooks/kubernetes/kubepodcrashlooping`. */
function pageKey(path: string): string {
  return path.replace(/\\/g, '/').replace(/^\.?\//, '').replace(/\/+$/, '').replace(EXTENSIONS, '').replace(INDEX, '').toLowerCase();
}

function lastSegment(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}

/** The procedure an `#anchor` names: its id, its title's slug or its heading's anchor. */
function byAnchor(rb: Runbook, anchor: string): Procedure | undefined {
  const a = anchor.toLowerCase();
  return rb.procedures.find((p) => p.id.toLowerCase() === a || slug(p.title) === a || anchorOf(p.title) === a);
}

function byAlert(rb: Runbook, alertName: string | undefined): Procedure | undefined {
  if (rb.procedures.length === 1) return rb.procedures[0];
  if (!alertName) return undefined;
  const wanted = slug(alertName);
  return rb.procedures.find((p) => slug(p.title) === wanted || p.id.toLowerCase() === alertName.toLowerCase());
}

/** The part of `url` under one of `prefixes` (host and path compared without case), or undefined. */
function underPrefix(url: URL, prefixes: readonly string[]): string | undefined {
  const here = `${url.protocol}//${url.host}${decodeURIComponent(url.pathname)}`.toLowerCase();
  for (const raw of prefixes) {
    let prefix: URL;
    try {
      prefix = new URL(raw);
    } catch {
      continue;
    }
    const base = `${prefix.protocol}//${prefix.host}${decodeURIComponent(prefix.pathname)}`.toLowerCase().replace(/\/+$/, '');
    if (here === base || here.startsWith(`${base}/`)) return here.slice(base.length);
  }
  return undefined;
}

/**
 * The local procedure (`FILE#ID`) a runbook link names: a `FILE#ID` reference, or the URL of a
 * published page whose path under a configured prefix is the runbook's file (with or without a
 * trailing slash, `.html`, `.md` or `.html.md`; the file name matched without case, as alert
 * names are), with an `#anchor` naming a procedure of a page that holds several. Undefined when
 * nothing local matches: a wrong runbook in front of a responder is worse than none.
 */
export function resolveRunbookLink(runbooks: readonly Runbook[], link: string, options: LinkOptions = {}): string | undefined {
  const value = link.trim();
  if (!value) return undefined;
  if (!/^[a-z][a-z0-9+.-]*:/i.test(value)) {
    const direct = value.includes('#') ? findProcedure([...runbooks], value) : undefined;
    if (direct) return `${direct.runbook.file}#${direct.procedure.id}`;
    return fromPath(runbooks, value.split('#')[0] ?? '', value.split('#')[1] ?? '', options);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  const anchor = decodeURIComponent(url.hash.replace(/^#/, ''));
  const rest = underPrefix(url, options.urlPrefixes ?? []) ?? (options.anyPrefix ? decodeURIComponent(url.pathname) : undefined);
  if (rest === undefined) return undefined;
  return fromPath(runbooks, rest, anchor, options);
}

function fromPath(runbooks: readonly Runbook[], path: string, anchor: string, options: LinkOptions): string | undefined {
  const key = pageKey(path);
  const ref = (rb: Runbook, p: Procedure | undefined): string | undefined => (p ? `${rb.file}#${p.id}` : undefined);
  if (!key) {
    // The prefix's own page (an index of alerts): the anchor says which procedure.
    if (!anchor) return undefined;
    for (const rb of runbooks) {
      const p = byAnchor(rb, anchor);
      if (p) return ref(rb, p);
    }
    return undefined;
  }
  // Files whose path ends with the URL's path win over files that only share its last segment.
  const scored = runbooks
    .map((rb) => {
      const file = pageKey(rb.file);
      const score = file === key || file.endsWith(`/${key}`) ? 2 : lastSegment(file) === lastSegment(key) ? 1 : 0;
      return { rb, score };
    })
    .filter((c) => c.score > 0)
    .sort((a, b) => b.score - a.score);
  for (const { rb } of scored) {
    const p = (anchor ? byAnchor(rb, anchor) : undefined) ?? byAlert(rb, options.alertName);
    if (p) return ref(rb, p);
  }
  return undefined;
}

/** The first runbook link among an alert's annotations, resolved or not. */
export function runbookLinkOf(annotations: Readonly<Record<string, string>>): string | undefined {
  for (const k of RUNBOOK_ANNOTATIONS) {
    const v = annotations[k]?.trim();
    if (v) return v;
  }
  return undefined;
}

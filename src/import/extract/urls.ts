import type { Command } from '../../runbooks/index.js';
import type { FileContext } from '../context.js';

export interface RunbookUrl {
  url: string;
  host: string;
  path: string;
  line: number;
  command: Command;
}

const URL_RE = /https?:\/\/[^\s'"|)\\<>]+/;

/** A host that exists while a release is rolled out or rehearsed: blue/green, canary, staging, preview. */
const DEPLOY_HOST = /(^|[.-])(blue|green|canary|staging|stage|preview|review|sandbox|qa|uat)(\d*)([.-]|$)/i;
/** Sections about rolling out, rolling back or rehearsing: what they call is not there for good. */
const DEPLOY_TITLE = /deploy|release|rollout|roll back|rollback|blue.?green|canary|cutover|migrat|drill|restore|staging/i;

/** Whether the line lies in a section (or a parent) about a deploy, a rollback or a restore drill. */
function deploySection(ctx: FileContext, line: number): boolean {
  let sections = ctx.runbook.sections;
  for (;;) {
    const s = sections.find((x) => x.line <= line && line <= x.endLine);
    if (!s) return false;
    if (DEPLOY_TITLE.test(s.title)) return true;
    sections = s.children;
  }
}

/**
 * The URLs of read-only curl commands (GET, no body, no placeholder to fill): the requests a
 * runbook makes to see whether something is healthy. Writes and templated URLs are not probes, nor are
 * deploy-time hosts (blue/green, canary, staging) or the URLs a deploy, rollback or restore drill calls.
 */
export function readUrls(ctx: FileContext): RunbookUrl[] {
  const out: RunbookUrl[] = [];
  for (const block of ctx.runbook.blocks) {
    for (const command of block.commands) {
      if (command.target !== 'http' || command.effect !== 'read') continue;
      if (!/\bcurl\b/.test(command.text) || /\s(-X|--request|-d|--data\S*|--json)\b/.test(command.text)) continue;
      const m = URL_RE.exec(command.text);
      if (!m || /[{}$<>]/.test(m[0])) continue;
      let u: URL;
      try {
        u = new URL(m[0]);
      } catch {
        continue;
      }
      if (DEPLOY_HOST.test(u.hostname) || deploySection(ctx, command.line)) continue;
      // The line of the URL itself (a curl split over lines with \ names it on a later line).
      const offset = command.text.slice(0, m.index).split('\n').length - 1;
      out.push({ url: m[0], host: u.host, path: `${u.pathname}${u.search}`, line: command.line + offset, command });
    }
  }
  return out;
}

/** The host most of the runbook's URLs use (first seen on a tie): the service itself. */
export function primaryHost(urls: RunbookUrl[]): string | undefined {
  const counts = new Map<string, number>();
  for (const u of urls) counts.set(u.host, (counts.get(u.host) ?? 0) + 1);
  let best: string | undefined;
  for (const [host, n] of counts) if (best === undefined || n > counts.get(best)!) best = host;
  return best;
}

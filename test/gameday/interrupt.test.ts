/**
 * A game day stopped by a signal (Ctrl-C, a cancelled CI job) leaves nothing running: the worlds'
 * redis-servers, private PostgreSQL clusters, stand-ins and workers go with it. The game day runs as
 * its own process, as `npm run gamedays` does; once its world is up the signal goes to that process
 * alone (the harder case: Ctrl-C in a terminal also signals the children themselves).
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/cli.js';
import { PG_ADMIN_URL, postgresUp } from '../support/services.js';
import { postgresServerInstalled, programInstalled } from './faults/available.js';
import { scaled } from '../support/timing.js';

const ok = (await postgresUp()) && programInstalled('redis-server') && postgresServerInstalled();
// The compiled dist/, as `npm run gamedays` runs it (vitest's global setup builds it when older than
// src/); the sources through tsx only while it is not current. tsx compiled every module of the game
// day again in each child: seconds of CPU before the world even started.
const { distProblem } = (await import(path.join(REPO_ROOT, 'bin/dist.js'))) as { distProblem: () => string | undefined };
const fromDist = !distProblem();
const GAMEDAY = fromDist ? './dist/gameday/index.js' : './src/gameday/index.ts';
const LOADER = fromDist ? [] : ['--import', 'tsx'];

function parentOf(pid: number): number | undefined {
  try {
    // `pid (comm) state ppid …`; comm may hold spaces, so read after its closing parenthesis.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}

/** Whether the process exists and is not a zombie (a zombie has let go of everything). */
function alive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

function descendants(root: number): Map<number, string> {
  const pids = readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number);
  const out = new Map<number, string>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const pid of pids) {
      if (out.has(pid)) continue;
      const parent = parentOf(pid);
      if (parent === root || (parent !== undefined && out.has(parent))) {
        out.set(pid, commandOf(pid));
        grew = true;
      }
    }
  }
  return out;
}

async function until<T>(what: string, f: () => T | undefined, limitMs = 240_000, everyMs = 250): Promise<T> {
  const end = Date.now() + limitMs;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

describe.skipIf(!ok)('a game day ended by a signal', () => {
  // 'starting': the signal comes as soon as the stand-in process exists, before it has said where it
  // listens (the world's build is waiting for it); 'up': once every part of the world runs.
  it.each([
    ['SIGINT', 'up'],
    ['SIGINT', 'starting'],
  ] as const)('%s with the world %s: no redis-server, PostgreSQL or stand-in outlives it, and it exits as the signal would', async (signal, moment) => {
    const script = `
      const { runGameDay } = await import(${JSON.stringify(GAMEDAY)});
      await runGameDay('examples/library', { pgAdminUrl: ${JSON.stringify(PG_ADMIN_URL)}, part: { scenarios: ['stale-backup'], drills: false } });
    `;
    const child = spawn(process.execPath, [...LOADER, '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, sig) => r({ code, signal: sig })));
    // The world is up once its redis-server, its PostgreSQL and its stand-in all run.
    const world = await until('the world to be up', () => {
      if (child.exitCode !== null) throw new Error(`the game day ended before its world was up:\n${output}`);
      const d = descendants(child.pid!);
      const cmds = [...d.values()];
      const standin = cmds.some((c) => /standin\.m?[jt]s\b/.test(c));
      const up = standin && cmds.some((c) => c.includes('redis-server')) && cmds.some((c) => /bin\/postgres /.test(c));
      return (moment === 'up' ? up : standin) ? d : undefined;
    }, 240_000, moment === 'up' ? 250 : 10);
    child.kill(signal);
    const end = await exited;
    expect(end.code === 128 + (signal === 'SIGINT' ? 2 : 15) || end.signal === signal, output).toBe(true);
    // PostgreSQL's backends end on their own once their postmaster is gone: given time, none is left.
    const left = await until('the world to stop', () => {
      const still = [...world].filter(([pid]) => alive(pid));
      return still.length === 0 ? still : undefined;
    }, 30_000).catch(() => [...world].filter(([pid]) => alive(pid)));
    expect(left.map(([pid, cmd]) => `${pid} ${cmd}`)).toEqual([]);
  }, scaled(300_000));
});

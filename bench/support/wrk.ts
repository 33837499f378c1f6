/**
 * Debian's `wrk` (C, one event loop per thread) as a fixed-rate driver. wrk itself sends as fast as
 * it can; a Lua `delay()` hands every request the next slot of one schedule (1000 / rate ms apart,
 * read from gettimeofday through LuaJIT's ffi), so the connections together keep the rate fixed.
 * The client adds far less jitter than a Node.js driver sharing the machine. wrk prints
 * 50/75/90/99 %, measured from each request's send.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const WRK = '/usr/bin/wrk';

export interface WrkResult {
  achievedRate: number;
  requests: number;
  errors: number;
  p50: number;
  p75: number;
  p90: number;
  p99: number;
  max: number;
}

export function wrkAvailable(): boolean {
  return fs.existsSync(WRK);
}

/** Runs wrk as a child process (asynchronously: the server under test may share this process). */
export async function wrkFixedRate(options: { url: string; rate: number; seconds: number; connections?: number }): Promise<WrkResult> {
  const connections = options.connections ?? 16;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-wrk-'));
  const script = path.join(dir, 'rate.lua');
  fs.writeFileSync(script, paceScript(1000 / options.rate));
  try {
    const { stdout } = await promisify(execFile)(WRK, ['-t1', `-c${connections}`, `-d${options.seconds}s`, '--latency', '-s', script, options.url], { encoding: 'utf8' });
    return parseWrk(stdout);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function paceScript(intervalMs: number): string {
  return `local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_usec; } opsbook_timeval;
int gettimeofday(opsbook_timeval *tv, void *tz);
]]
local tv = ffi.new("opsbook_timeval")
local function now_ms()
  ffi.C.gettimeofday(tv, nil)
  return tonumber(tv.tv_sec) * 1000 + tonumber(tv.tv_usec) / 1000
end
local interval = ${intervalMs}
local next_slot = nil
function delay()
  local now = now_ms()
  if next_slot == nil then next_slot = now end
  local slot = next_slot
  next_slot = next_slot + interval
  if slot > now then return slot - now end
  return 0
end
`;
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function ms(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim());
  if (!m) throw new Error(`wrk printed a latency it cannot read: "${text}"`);
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

/** Reads wrk's report: the latency distribution, Requests/sec and the error lines. */
export function parseWrk(out: string): WrkResult {
  const pct = (p: string): number => {
    const m = new RegExp(`^\\s*${p}%\\s+(\\S+)`, 'm').exec(out);
    if (!m) throw new Error(`wrk's report has no ${p}% line (was --latency given?)`);
    return ms(m[1]!);
  };
  const max = /Latency\s+\S+\s+\S+\s+(\S+)/.exec(out);
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const requests = /(\d+) requests in/.exec(out);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  return {
    achievedRate: rate ? Number(rate[1]) : NaN,
    requests: requests ? Number(requests[1]) : 0,
    errors: (socket ? socket.slice(1).reduce((s, v) => s + Number(v), 0) : 0) + (non2xx ? Number(non2xx[1]) : 0),
    p50: pct('50'),
    p75: pct('75'),
    p90: pct('90'),
    p99: pct('99'),
    max: max ? ms(max[1]!) : NaN,
  };
}

export function formatWrk(name: string, r: WrkResult): string {
  const f = (v: number): string => `${v.toFixed(3)} ms`;
  return `${name.padEnd(28)} rate ${r.achievedRate.toFixed(0).padStart(5)}/s  p50 ${f(r.p50)}  p90 ${f(r.p90)}  p99 ${f(r.p99)}  max ${f(r.max)}  errors ${r.errors}`;
}

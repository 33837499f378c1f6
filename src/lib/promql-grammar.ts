import { createRequire } from 'node:module';
import type { LRParser } from '@lezer/lr';

const require = createRequire(import.meta.url);
let loaded: LRParser | undefined;

/**
 * The PromQL grammar (Prometheus' Lezer parser), loaded at the first parse rather than with the
 * modules that can parse: a command whose config and runbooks hold no PromQL never loads it. Its
 * CommonJS build is used so that the first parse, which is synchronous, can load it.
 */
export function promqlParser(): LRParser {
  loaded ??= (require('@prometheus-io/lezer-promql') as { parser: LRParser }).parser;
  return loaded;
}

/**
 * The runbook corpus `bench:runbooks` reads, shared with the tests that check the reader's
 * shortcuts give the same results on it. Built from the seed runbooks: each file takes sections
 * from several seeds, renames the services, namespaces, hosts and numbers in them, so files differ
 * the way a team's runbooks differ, while keeping the shapes real runbooks have.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const seedDir = path.resolve(here, '../../test/fixtures/runbooks/seeds');
const seeds = readdirSync(seedDir).sort().map((f) => readFileSync(path.join(seedDir, f), 'utf8'));

/** A small deterministic generator, so every run measures the same corpus. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const SERVICES = ['billing', 'ledger', 'orders', 'search', 'gateway', 'payments', 'catalog', 'identity', 'reports', 'notify', 'ingest', 'media'];
const WORDS = /\b(novapulse|nxentra|apex|muejam|django-finance|acme|prod-redis|prod-db|tenant_acme)\b/g;

function sectionsOf(text: string): string[] {
  return text.split(/\n(?=## )/);
}

/** File `i` of the corpus: always the same text for the same `i`. */
export function corpusFile(i: number): string {
  const r = rng(i + 1);
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  const service = `${pick(SERVICES)}-${Math.floor(r() * 90) + 10}`;
  const parts: string[] = [`# ${service} operations runbook\n`];
  const count = 3 + Math.floor(r() * 5);
  for (let k = 0; k < count; k++) parts.push(pick(sectionsOf(pick(seeds)).slice(1)));
  return parts
    .join('\n')
    .replace(WORDS, () => service)
    .replace(/\b(\d{2,4})\b/g, (m) => String((Number(m) + i) % 10 ** m.length));
}

import { Resolver } from 'node:dns/promises';
import { performance } from 'node:perf_hooks';
import type { CheckKind, Observation } from '../../types.js';
import { dnsSchema, type DnsOptions } from './schema.js';

// node:dns reports the answer's rcode as an error code; map it back to the names dig prints.
const RCODES: Record<string, string> = {
  ENOTFOUND: 'NXDOMAIN',
  ENODATA: 'NOERROR',
  ESERVFAIL: 'SERVFAIL',
  EREFUSED: 'REFUSED',
  ENOTIMP: 'NOTIMP',
  EFORMERR: 'FORMERR',
};

/** Answers are text: addresses, `10 mx.example.com` for MX, `prio weight port target` for SRV. */
function answersAsText(type: DnsOptions['type'], answers: unknown): string[] {
  if (!Array.isArray(answers)) return answers && typeof answers === 'object' ? [JSON.stringify(answers)] : [];
  return answers.map((a: unknown) => {
    if (typeof a === 'string') return a;
    if (Array.isArray(a)) return a.join('');
    const r = a as Record<string, unknown>;
    if (type === 'MX') return `${r.priority} ${r.exchange}`;
    if (type === 'SRV') return `${r.priority} ${r.weight} ${r.port} ${r.name}`;
    return JSON.stringify(a);
  });
}

/**
 * Resolves one name through node:dns. `[DNS_RCODE]` is the response code, `[BODY]` the first answer
 * and `[ANSWERS]` all of them (`len([ANSWERS]) > 0`, `[BODY] == any(10.0.0.1, 10.0.0.2)`).
 */
export const dnsKind: CheckKind<DnsOptions> = {
  ...dnsSchema,
  run: async (config, ctx): Promise<Observation> => {
    const resolver = new Resolver({ timeout: Math.max(100, ctx.timeoutMs), tries: 1 });
    if (config.server) resolver.setServers([config.server]);
    const onAbort = (): void => resolver.cancel();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    const started = performance.now();
    try {
      const raw = await resolver.resolve(config.name, config.type);
      const answers = answersAsText(config.type, raw);
      return {
        values: { CONNECTED: true, DNS_RCODE: 'NOERROR', ANSWERS: answers, BODY: answers[0] ?? '', RESPONSE_TIME: Math.round(performance.now() - started) },
        value: answers.length,
      };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? '';
      const rcode = RCODES[code];
      const rt = Math.round(performance.now() - started);
      if (rcode) return { values: { CONNECTED: true, DNS_RCODE: rcode, ANSWERS: [], BODY: '', RESPONSE_TIME: rt }, value: 0 };
      return { values: { CONNECTED: false, RESPONSE_TIME: rt }, error: `${code || 'error'}: ${(e as Error).message}` };
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
    }
  },
};

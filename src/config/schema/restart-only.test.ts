import { describe, expect, it } from 'vitest';
import { configReference, RESTART_NOTE } from '../reference.js';
import { RELOADED, RESTART_ONLY } from './restart-only.js';

/** The key itself or its nearest listed ancestor (`checks[kind=http].url` → `checks`). */
const listedFor = (key: string, listed: readonly string[]): string | undefined => {
  for (let k = key; k !== ''; k = k.replace(/(\.[^.[\]]+|\[[^\]]*\])$|^[^.[\]]+$/, '')) if (listed.includes(k)) return k;
  return undefined;
};

describe('which settings a reload applies', () => {
  const keys = configReference().map((r) => r.key);

  it('says, for every key of the config, whether a reload applies it or it needs a restart', () => {
    const listed = [...Object.keys(RESTART_ONLY), ...Object.keys(RELOADED)];
    // A section whose keys are listed one by one (server, storage.cluster) is not itself listed.
    const section = (k: string) => listed.some((l) => l.startsWith(`${k}.`));
    expect(keys.filter((k) => listedFor(k, listed) === undefined && !section(k))).toEqual([]);
  });

  it('lists only keys the config has, each once', () => {
    expect([...Object.keys(RESTART_ONLY), ...Object.keys(RELOADED)].filter((k) => !keys.includes(k))).toEqual([]);
    expect(Object.keys(RESTART_ONLY).filter((k) => Object.hasOwn(RELOADED, k))).toEqual([]);
  });

  it('marks the restart-only keys, and only them, in the reference', () => {
    const marked = configReference().filter((r) => r.description.endsWith(RESTART_NOTE)).map((r) => r.key);
    expect(marked.sort()).toEqual(Object.keys(RESTART_ONLY).sort());
  });
});

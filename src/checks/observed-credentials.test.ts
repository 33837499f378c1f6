/**
 * What a check observed may hold credentials it was never configured with: a redirect's Location
 * with a session token in its query, a body or an error naming a URL with its password. The result
 * keeps them masked as the check's own (the incident's alert, timeline and pages are made from it),
 * and leaves the rest of what was observed as it was.
 */
import { describe, expect, it } from 'vitest';
import { parseCondition } from './conditions/index.js';
import { evaluateCheck } from './evaluate-check.js';

const MASK = '********';

describe('a check result', () => {
  const check = {
    id: 'api',
    kind: 'http',
    conditions: ['[URL] == pat(*/ready*)', '[BODY] == pat(*healthy*)', '[HEADERS].location == none'].map((c) => parseCondition(c)),
    warning: [],
    critical: [],
    secrets: ['configured-secret-1'],
  };

  it('masks credentials written in what was observed, not only the configured ones', () => {
    const result = evaluateCheck(
      check,
      {
        values: {
          URL: 'https://sso.example/landed?state=abc&access_token=obs-tok-8812&sig=obs-sig-4471',
          BODY: '{"state":"degraded","db":"postgres://app:obs-pw-2290@db.internal/app","key":"configured-secret-1"}',
          HEADERS: { location: 'https://cdn.example/x?X-Amz-Signature=obs-amz-5521&X-Amz-Date=20261205' },
        },
        error: 'redirect to https://ops:obs-err-6630@other.example/ refused',
      },
      { at: 0, latencyMs: 5 },
    );
    expect(result.conditions.map((c) => c.actual)).toEqual([
      `https://sso.example/landed?state=abc&access_token=${MASK}&sig=${MASK}`,
      `{"state":"degraded","db":"postgres://app:${MASK}@db.internal/app","key":"${MASK}"}`,
      `https://cdn.example/x?X-Amz-Signature=${MASK}&X-Amz-Date=20261205`,
    ]);
    expect(result.error).toBe(`redirect to https://ops:${MASK}@other.example/ refused`);
  });
});

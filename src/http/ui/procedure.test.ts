/**
 * A runbook procedure as the web UI shows it (runbook page, incident page): credentials its steps
 * write — curl's `-u user:PASSWORD`, a `?token=…`, mysql's `-pPASSWORD` — are shown masked, in the
 * step's text and its code; the rest of the code is shown as written.
 */
import { describe, expect, it } from 'vitest';
import { parseRunbook } from '../../runbooks/index.js';
import { renderProcedure } from './procedure.js';

const RUNBOOK = [
  '# API',
  '',
  '## RB-1: Health',
  '',
  '**Diagnosis:**',
  '',
  '1. Ask the API with `curl -u ops:ui-pw-4242 https://api.internal/health?token=ui-tok-5353`',
  '',
  '```bash',
  'mysql -h db.internal -u app -pui-my-6464 -e "SELECT 1"',
  '```',
  '',
].join('\n');

describe('a procedure in the web UI', () => {
  it('masks the credentials its steps write, in their text and code', () => {
    const rb = parseRunbook(RUNBOOK, { file: 'api.md' });
    const page = renderProcedure(rb, rb.procedures[0]!).toString();
    for (const secret of ['ui-pw-4242', 'ui-tok-5353', 'ui-my-6464']) expect(page, secret).not.toContain(secret);
    expect(page).toContain('curl -u ops:******** https://api.internal/health?token=********');
    expect(page).toContain('mysql -h db.internal -u app -p******** -e &quot;SELECT 1&quot;');
  });
});

/**
 * The operations report served in the UI is a page of the site: its navigation with Report marked
 * current, links between the periods, the report's sections and budget charts under the UI's own
 * stylesheet and Content-Security-Policy; the file `opsbook report --format html` writes stays
 * self-contained (no site navigation; see src/slos/report/report.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn, startUi, type SignedIn, type UiHarness } from './support.js';

let h: UiHarness;
let viewer: SignedIn;

beforeAll(async () => {
  h = await startUi({
    yaml: `services:
  - { id: orders, name: Orders API }
checks:
  - { kind: tcp, id: orders-port, service: orders, host: 127.0.0.1, port: 9, interval: 1m }
slos:
  - { id: orders-available, name: Orders availability, kind: availability, checks: [orders-port], objective: 99.9%, window: 7d }
`,
  });
  viewer = await signIn(h.app, 'viewer-user');
});
afterAll(async () => {
  await h?.close();
});

async function report(query = ''): Promise<{ status: number; body: string; csp: string | undefined }> {
  const res = await h.app.inject({ url: `/report${query}`, headers: { cookie: viewer.cookie } });
  return { status: res.statusCode, body: res.body, csp: res.headers['content-security-policy'] as string | undefined };
}

describe('the report page in the UI', () => {
  it('carries the site navigation, with Report current and the signed-in person', async () => {
    const { status, body, csp } = await report();
    expect(status).toBe(200);
    expect(body).toContain('<a class="skip" href="#main">Skip to content</a>');
    const nav = /<nav aria-label="Main">([\s\S]*?)<\/nav>/.exec(body)?.[1] ?? '';
    for (const href of ['/', '/incidents', '/oncall', '/runbooks', '/maintenance']) expect(nav).toContain(`<a href="${href}">`);
    expect(nav).toContain('<a href="/report" aria-current="page">Report</a>');
    expect(body).toContain('viewer-user');
    expect(body).toContain('href="/ui/static/opsbook.css"');
    expect(body).not.toMatch(/<style|style="/); // the UI's policy allows no inline styles
    expect(csp).toContain("style-src 'self'");
  });

  it('shows the report’s sections and budget chart under one heading', async () => {
    const { body } = await report();
    expect(body.match(/<h1[ >]/g)).toHaveLength(1);
    expect(body).toMatch(/<h1>Operations report — 30d: \d{4}-\d\d-\d\d to /);
    expect(body).toContain('<h2>SLO attainment</h2>');
    expect(body).toContain('<td>Orders availability</td>');
    expect(body).toMatch(/<svg [^>]*role="img" aria-label="Orders availability: [^"]+ of the error budget left"/);
    expect(body).toContain('<h2>Recovery point (RPO)</h2>');
  });

  it('links the periods, marking the one shown; an unknown period shows 30 days', async () => {
    const week = await report('?period=7d');
    expect(week.body).toMatch(/<h1>Operations report — 7d: /);
    const periods = /<nav class="periods" aria-label="Report period">([\s\S]*?)<\/nav>/.exec(week.body)?.[1] ?? '';
    expect(periods).toContain('<a href="/report?period=7d" aria-current="page">Last 7 days</a>');
    expect(periods).toContain('<a href="/report?period=30d">Last 30 days</a>');
    expect(periods).toContain('<a href="/report?period=month">This month</a>');
    const odd = await report('?period=forever');
    expect(odd.body).toMatch(/<h1>Operations report — 30d: /);
    expect(odd.body).toContain('<a href="/report?period=30d" aria-current="page">');
  });
});

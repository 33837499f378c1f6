/**
 * Descriptions and comments from the config, as the pages print them: inline code (`x`) becomes
 * <code>x</code>, everything else stays text (markup in a description is escaped, never passed on).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pageAs, signIn, startUi, type SignedIn, type UiHarness } from './support.js';

let h: UiHarness;
let viewer: SignedIn;

beforeAll(async () => {
  h = await startUi({
    yaml: `services:
  - id: demo
    name: Demo service
    description: "A tiny loopback service that \`npm start\` runs beside <b>opsbook</b>."
maintenance:
  - id: upgrade
    start: "2026-01-01T00:00"
    end: "2026-01-01T01:00"
    services: [demo]
    comment: "run \`npm run migrate\` first"
silences:
  - id: noise
    matchers: [{ label: service, value: demo }]
    starts: "2026-01-01T00:00Z"
    ends: "2099-01-01T01:00Z"
    created_by: admin-user
    comment: "known noise from \`demo-queue\`"
`,
  });
  viewer = await signIn(h.app, 'viewer-user');
});
afterAll(async () => {
  await h?.close();
});

const get = (url: string): Promise<string> => pageAs(h.app, viewer, url);

describe('config descriptions on the pages', () => {
  it("renders a service description's inline code on the overview, and escapes its markup", async () => {
    const body = await get('/');
    expect(body).toContain('<p>A tiny loopback service that <code>npm start</code> runs beside &lt;b&gt;opsbook&lt;/b&gt;.</p>');
    expect(body).not.toContain('`npm start`');
  });

  it('renders the inline code of maintenance window and silence comments', async () => {
    const body = await get('/maintenance');
    expect(body).toContain('run <code>npm run migrate</code> first');
    expect(body).toContain('known noise from <code>demo-queue</code>');
  });
});

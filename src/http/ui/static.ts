import { readFileSync } from 'node:fs';
import type { UiRoute } from './route.js';

const TYPES: Record<string, string> = { css: 'text/css; charset=utf-8', js: 'text/javascript; charset=utf-8' };
const FILES = ['opsbook.css', 'live.js', 'incident.js', 'sw.js', 'push.js'] as const;

/** The UI's stylesheet and scripts, read once; no build step. */
export function staticRoutes(): UiRoute[] {
  const files = new Map(FILES.map((name) => [name as string, readFileSync(new URL(`./static/${name}`, import.meta.url))]));
  return [
    {
      method: 'GET',
      url: '/ui/static/:file',
      access: 'public',
      summary: 'The UI stylesheet, live-update script, push subscription script and service worker.',
      handler: ({ params, reply }) => {
        const body = files.get(params.file ?? '');
        if (!body) {
          void reply.status(404).header('content-type', 'text/plain; charset=utf-8').send('not found');
          return undefined;
        }
        void reply
          .header('content-type', TYPES[params.file!.split('.').pop()!]!)
          .header('cache-control', 'public, max-age=300')
          .header('x-content-type-options', 'nosniff')
          .send(body);
        return undefined;
      },
    },
  ];
}

// The OpenAPI part of <mount>/ui/media-lab.js, the web-component bundle (router.ts serves it
// with express.static before the admin gate).
import type { ApiDoc } from './openapi.js';
import { problemAnswer } from './openapi.js';

export const uiBundleDoc: ApiDoc = {
  tag: { name: 'ui', description: 'The web components a host page embeds.' },
  paths: {
    '/ui/media-lab.js': {
      get: {
        operationId: 'getUiBundle',
        summary: 'The web-component bundle (an ES module); present when the package was built',
        security: [],
        responses: { 200: { description: 'The bundle', content: { 'text/javascript': { schema: { type: 'string' } } } }, 404: problemAnswer('Not built (NOT_FOUND)') },
      },
    },
  },
};

// GET /openapi.json and the API reference page at /docs (swagger-ui-dist's own files, served from
// the installed package: no CDN, works offline). Mounted before the admin gate: the document
// holds no data, only what the API accepts and answers.
import express, { type Router } from 'express';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { route } from './handle.js';
import { sendProblem } from './problem.js';
import { buildOpenApi, problemAnswer, type ApiDoc, type ApiDocContext } from './openapi.js';

export interface DocsRouteDeps {
  /** The context and the contributions the document is built from (per request: kinds and presets change). */
  context: ApiDocContext;
  docs: () => ApiDoc[];
}

/** The swagger-ui-dist files the page loads (and their source maps, for the browser's devtools). */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css',
  'swagger-ui-bundle.js': 'text/javascript',
  'swagger-ui.css.map': 'application/json',
  'swagger-ui-bundle.js.map': 'application/json',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
};

function swaggerUiDir(): string {
  return dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(mount: string): string {
  const at = (file: string) => escapeHtml(`${mount}/docs/${file}`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Media Lab API</title>
<link rel="icon" type="image/png" href="${at('favicon-32x32.png')}" sizes="32x32">
<link rel="stylesheet" href="${at('swagger-ui.css')}">
</head>
<body>
<div id="swagger-ui" data-spec-url="${escapeHtml(`${mount}/openapi.json`)}"></div>
<script src="${at('swagger-ui-bundle.js')}"></script>
<script src="${at('media-lab-docs.js')}"></script>
</body>
</html>
`;
}

// A file, not an inline script, so a host's Content-Security-Policy need not allow inline scripts.
// validatorUrl null: Swagger UI would otherwise send the document to validator.swagger.io.
const INIT = `window.addEventListener('load', function () {
  var root = document.getElementById('swagger-ui');
  window.ui = SwaggerUIBundle({ url: root.dataset.specUrl, domNode: root, deepLinking: true, validatorUrl: null, tryItOutEnabled: false });
});
`;

export function createDocsRoutes({ context, docs }: DocsRouteDeps): Router {
  const router = express.Router();
  const dir = swaggerUiDir();

  router.get(
    '/openapi.json',
    route(async (_req, res) => {
      res.setHeader('Cache-Control', 'no-cache');
      res.json(await buildOpenApi(context, docs()));
    }),
  );

  router.get('/docs', (_req, res) => {
    res.type('html').send(page(context.mount));
  });

  router.get(
    '/docs/:file',
    route(async (req, res) => {
      const file = String(req.params.file);
      if (file === 'media-lab-docs.js') {
        res.type('text/javascript').send(INIT);
        return;
      }
      const type = ASSETS[file];
      if (!type) {
        sendProblem(res, { title: 'Not found', status: 404, code: 'NOT_FOUND', detail: `The API reference page has no file ${file}.` });
        return;
      }
      await new Promise<void>((resolve, reject) => {
        res.sendFile(join(dir, file), { headers: { 'Content-Type': type }, maxAge: '1d' }, (error) => (error && !res.headersSent ? reject(error) : resolve()));
      });
    }),
  );

  return router;
}

/** The OpenAPI part of these routes (collected in api-docs.ts). */
export const docsRoutesDoc: ApiDoc = {
  tag: { name: 'docs', description: 'This document and the API reference page; no token needed.' },
  paths: {
    '/openapi.json': {
      get: {
        operationId: 'getOpenApi',
        summary: 'This OpenAPI 3.1 document',
        security: [],
        responses: { 200: { description: 'The document', content: { 'application/json': { schema: { type: 'object', required: ['openapi', 'paths'] } } } } },
      },
    },
    '/docs': {
      get: { operationId: 'getApiReference', summary: 'The API reference page (Swagger UI, served offline)', security: [], responses: { 200: { description: 'The page', content: { 'text/html': { schema: { type: 'string' } } } } } },
    },
    '/docs/{file}': {
      get: {
        operationId: 'getApiReferenceAsset',
        summary: 'A file of the API reference page',
        security: [],
        parameters: [{ name: 'file', in: 'path', required: true, schema: { type: 'string', enum: ['media-lab-docs.js', ...Object.keys(ASSETS)] } }],
        responses: {
          200: {
            description: 'The file',
            content: Object.fromEntries([...new Set(['text/javascript', ...Object.values(ASSETS)])].map((type) => [type, { schema: { type: 'string' } }])),
          },
          404: problemAnswer('No such file (NOT_FOUND)'),
        },
      },
    },
  },
};

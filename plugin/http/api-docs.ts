// The one list of the router's OpenAPI contributions. Each route module exports an `ApiDoc`
// next to its handlers (paths, operationIds, the contract schemas they answer with); add yours
// here with one line, and GET /openapi.json, /docs and test/core/openapi.test.ts pick it up.
// Routes mounted outside the lab's router (the prompt queue) add theirs at run time:
// `lab.addApiDoc(doc)`.
import type { ApiDoc } from './openapi.js';
import { docsRoutesDoc } from './docs-routes.js';
import { uploadRoutesDoc } from './upload-routes.js';
import { jobRoutesDoc } from './job-routes.js';
import { artifactRoutesDoc } from './artifact-routes.js';
import { presetRoutesDoc } from './preset-routes.js';
import { metaRoutesDoc } from './meta-routes.js';
import { metricsRouteDoc } from './metrics-route.js';
import { eventsSocketDoc } from './events-socket.js';
import { uiBundleDoc } from './ui-doc.js';
import { lineageRoutesDoc } from './lineage-routes.js';
import { interpolateOptionsDoc } from './interpolate-options-route.js';
import { workbenchRoutesDoc } from './workbench-routes.js';
import { chainRoutesDoc } from './chain-routes.js';
import { sourceRoutesDoc } from './source-routes.js';

export const API_DOCS: ApiDoc[] = [
  jobRoutesDoc,
  uploadRoutesDoc,
  artifactRoutesDoc,
  lineageRoutesDoc,
  interpolateOptionsDoc,
  workbenchRoutesDoc,
  chainRoutesDoc,
  sourceRoutesDoc,
  presetRoutesDoc,
  metaRoutesDoc,
  metricsRouteDoc,
  eventsSocketDoc,
  uiBundleDoc,
  docsRoutesDoc,
];

// POST /uploads: an input file (201 stored, 200 when the same bytes were uploaded before).
import express, { type Router } from 'express';
import type { Knex } from 'knex';
import { uploadedArtifactSchema, type UploadedArtifact } from '../../contract/artifact.js';
import type { LocalStorage } from '../artifacts/storage.js';
import { handleUpload, type UploadLimits } from './uploads.js';
import { userOf } from './auth.js';
import { route } from './handle.js';
import { artifactView } from './views.js';
import { jsonAnswer, problemAnswer, type ApiDoc } from './openapi.js';

export interface UploadRouteDeps {
  knex: Knex;
  storage: LocalStorage;
  limits: UploadLimits;
  mount: string;
}

export function createUploadRoutes({ knex, storage, limits, mount }: UploadRouteDeps): Router {
  const router = express.Router();
  router.post(
    '/uploads',
    route(async (req, res) => {
      const { artifact, created } = await handleUpload(req, { knex, storage, limits, user: userOf(req) });
      const body: UploadedArtifact = { ...artifactView(mount, artifact), deduplicated: !created };
      res.status(created ? 201 : 200).json(body);
    }),
  );
  return router;
}

/** The OpenAPI part of this route (collected in api-docs.ts). */
export const uploadRoutesDoc: ApiDoc = {
  tag: { name: 'uploads', description: 'Input files for jobs: the format is read from the bytes; the same bytes are stored once.' },
  responses: { UploadedArtifact: uploadedArtifactSchema },
  paths: {
    '/uploads': {
      post: {
        operationId: 'uploadFile',
        summary: 'Upload an input file (multipart field "file")',
        requestBody: {
          required: true,
          content: { 'multipart/form-data': { schema: { type: 'object', properties: { file: { type: 'string', contentMediaType: 'application/octet-stream' } }, required: ['file'] } } },
        },
        responses: {
          201: jsonAnswer('Stored', 'UploadedArtifact'),
          200: jsonAnswer('Already stored: the same bytes were uploaded before (deduplicated: true)', 'UploadedArtifact'),
          400: problemAnswer('Not a multipart body with a "file" field (VALIDATION_FAILED, BAD_REQUEST)'),
          413: problemAnswer('Larger than uploads.maxBytes (INPUT_TOO_LARGE)'),
          415: problemAnswer('Not a supported image, video or audio format (UNSUPPORTED_FORMAT)'),
          422: problemAnswer('A corrupt file (CORRUPT_INPUT) or a missing file field (INPUT_MISSING)'),
        },
      },
    },
  },
};

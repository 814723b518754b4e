// POST /uploads: an input file (201 stored, 200 when the same bytes were uploaded before).
import express, { type Router } from 'express';
import type { Knex } from 'knex';
import type { UploadedArtifact } from '../../contract/artifact.js';
import type { LocalStorage } from '../artifacts/storage.js';
import { handleUpload, type UploadLimits } from './uploads.js';
import { userOf } from './auth.js';
import { route } from './handle.js';
import { artifactView } from './views.js';

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

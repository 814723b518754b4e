// The one rule for which artifact a route may show: a published one (outputs of a running or
// failed job are not visible); anything else is a 404.
import type { Knex } from 'knex';
import type { Artifact } from '../core/types.js';
import { getArtifact } from '../artifacts/store.js';
import { NotFound } from '../jobs/service.js';

export async function visibleArtifact(knex: Knex, id: string): Promise<Artifact> {
  const artifact = await getArtifact(knex, id);
  if (!artifact || !artifact.published) throw new NotFound(id, 'artifact');
  return artifact;
}

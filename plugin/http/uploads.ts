// POST /uploads: one multipart field `file`, streamed to a temp file while hashed, checked by
// its bytes, then stored content-addressed. Nothing is left behind when it is rejected.
import busboy from 'busboy';
import type { Request } from 'express';
import type { Knex } from 'knex';
import type { Artifact, User } from '../core/types.js';
import { MediaLabError, ValidationError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { nowIso } from '../core/time.js';
import { FileTooLargeError, type LocalStorage } from '../artifacts/storage.js';
import { findUploadBySha, insertArtifact, mediaColumns } from '../artifacts/store.js';
import { removeIfUnreferenced } from '../artifacts/unreferenced.js';
import { inspectMedia } from '../media/inspect.js';
import { rm } from 'node:fs/promises';

export interface UploadLimits {
  maxBytes: number;
  maxImagePixels: number;
}

interface ReceivedFile {
  path: string;
  sha256: string;
  bytes: number;
  filename: string;
}

function receiveFile(req: Request, storage: LocalStorage, limits: UploadLimits): Promise<ReceivedFile> {
  return new Promise((resolve, reject) => {
    if (!/^multipart\/form-data/i.test(req.headers['content-type'] ?? '')) {
      reject(new MediaLabError('UNSUPPORTED_FORMAT', 'Send the file as multipart/form-data in a field named "file".'));
      return;
    }
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { files: 1, fileSize: limits.maxBytes + 1 } });
    } catch (error) {
      reject(new ValidationError([{ field: 'file', message: `Malformed multipart body: ${(error as Error).message}` }], { status: 400 }));
      return;
    }
    let pending: Promise<ReceivedFile> | null = null;
    parser.on('file', (field, stream, info) => {
      if (field !== 'file' || pending) {
        stream.resume();
        return;
      }
      pending = storage
        .writeTemp(stream, { maxBytes: limits.maxBytes })
        .then((written) => ({ ...written, filename: info.filename ?? 'upload' }));
      pending.catch((error: unknown) => {
        // Answer at once (a stopped file stream stalls the parser): drain the rest unread.
        req.unpipe(parser);
        req.resume();
        reject(error);
      });
    });
    parser.on('error', (error: Error) => reject(new ValidationError([{ field: 'file', message: `Malformed multipart body: ${error.message}` }], { status: 400 })));
    parser.on('close', () => {
      if (!pending) {
        reject(new ValidationError([{ field: 'file', message: 'No file was sent: put it in a multipart field named "file".' }]));
        return;
      }
      pending.then(resolve, reject);
    });
    req.pipe(parser);
  });
}

export async function handleUpload(
  req: Request,
  deps: { knex: Knex; storage: LocalStorage; limits: UploadLimits; user: User },
): Promise<{ artifact: Artifact; created: boolean }> {
  let received: ReceivedFile;
  try {
    received = await receiveFile(req, deps.storage, deps.limits);
  } catch (error) {
    if (error instanceof FileTooLargeError) {
      throw new MediaLabError('INPUT_TOO_LARGE', `The file is larger than the upload limit of ${Math.round(deps.limits.maxBytes / 1024 / 1024)} MB.`);
    }
    throw error;
  }
  return adoptInput(received, deps, { originalName: received.filename, uploadedBy: deps.user.id });
}

/**
 * A received temp file becomes an input artifact: the one already stored with the same bytes
 * (sha256; the temp file is dropped), or a new content-addressed one whose metadata gets `extra`
 * (uploads: originalName, uploadedBy; a host source: source). The temp file never stays behind.
 */
export async function adoptInput(
  received: { path: string; sha256: string; bytes: number },
  deps: { knex: Knex; storage: LocalStorage; limits: UploadLimits; user: User },
  extra: Artifact['metadata'],
): Promise<{ artifact: Artifact; created: boolean }> {
  try {
    const existing = await findUploadBySha(deps.knex, received.sha256);
    if (existing) {
      await rm(received.path, { force: true });
      return { artifact: existing, created: false };
    }
    const facts = await inspectMedia(received.path, { maxImagePixels: deps.limits.maxImagePixels });
    const artifact = await deps.storage.adopt(received.path, facts.mime, { sha256: received.sha256, bytes: received.bytes }, async (stored) => {
      const row: Artifact = {
        id: newId(),
        jobId: null,
        role: 'input',
        ...mediaColumns(facts),
        storageKey: stored.storageKey,
        sha256: stored.sha256,
        bytes: stored.bytes,
        metadata: { ...(facts.metadata ?? {}), ...extra },
        parentIds: [],
        published: true,
        createdBy: deps.user.id,
        createdAt: nowIso(),
      };
      try {
        await insertArtifact(deps.knex, row);
      } catch (error) {
        // No row, no file: never leave an unindexed object behind.
        await removeIfUnreferenced(deps.knex, deps.storage, stored.storageKey).catch(() => undefined);
        throw error;
      }
      return row;
    });
    return { artifact, created: true };
  } catch (error) {
    await rm(received.path, { force: true });
    throw error;
  }
}

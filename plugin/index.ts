// Public entry point of the Media Lab plugin.
export { createMediaLab, type MediaLab } from './media-lab.js';
export { optionsSchema, parseOptions, OptionsError, type MediaLabOptions, type MediaLabOptionsInput, type Authenticate } from './options.js';
export { migrateLatest, migrateRollback, coreMigrationSet, MIGRATIONS_TABLE } from './db/migrate.js';
export { openDatabase } from './db/connect.js';
export { MediaLabError, ValidationError, type ErrorCode, type FieldIssue } from './core/errors.js';
export * from './core/types.js';
export { SourceItemError, type MediaSource, type SourceFile, type SourceItem, type SourceListing } from './sources/types.js';
export { folderSource, type FolderSourceOptions } from './sources/folder-source.js';
export {
  hostTokenAuthenticate,
  firstAuthenticated,
  hostTokenConfigFromEnv,
  HostTokenError,
  HostTokenConfigError,
  HOST_TOKEN_ENV,
  type HostTokenConfig,
  type HostTokenReason,
} from './http/host-tokens/index.js';
export { jsonAnswer, jsonBody, pathParam, problemAnswer, queryParameters, schemaRef, type ApiDoc, type ApiDocContext, type PathItems, type Operation } from './http/openapi.js';

// `media-lab serve`: the Media Lab API (and workers) as a standalone server, for hosts that are
// not Node; with a prompts table in the database it also runs the prompt queue.
import { readFileSync } from 'node:fs';
import { flag, UsageError, type ParsedArgs } from '../args.js';
import { COMFY_OPTION, DATABASE_OPTIONS, EXIT, LOG_OPTIONS, PRESETS_DIR_OPTION, untilSignal, type Command } from '../command.js';
import { labOptionsOf, settingsOf } from '../settings.js';
import { openCliLogger } from '../log-output.js';
import { startStandaloneServer } from '../serve.js';
import { serveAuthenticate } from '../serve-auth.js';
import { promptQueueForServe } from './prompt-queue.js';
import { PROMPT_QUEUE_OPTIONS } from './prompt-queue-args.js';

/** Where to listen: flag > environment > config file > 127.0.0.1:6699. */
function listenAddress(args: ParsedArgs): { host: string; port: number } {
  const { file } = settingsOf(args);
  const portText = flag(args, 'port', 'PORT');
  const port = portText === undefined ? (file.port ?? 6699) : Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError(`--port expects a port number 0-65535; got "${portText}"`);
  return { host: flag(args, 'host', 'MEDIA_LAB_HOST') ?? file.host ?? '127.0.0.1', port };
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'run the Media Lab API (and workers) as a standalone server',
  synopsis: '[--host <addr>] [--port <n>] [--config <file.json>] [--token-file <path>] [--no-worker] [--db <file|url>]',
  details: [
    'With a prompts table in the database, serve also polls it and mounts /api/prompts.',
    'Listens on 127.0.0.1 (this machine only) unless --host says otherwise: --host 0.0.0.0 for every interface.',
    'Host users: MEDIA_LAB_JWT_SECRET[_FILE] / _PUBLIC_KEY_FILE / _JWKS_FILE, _ISSUER, _AUDIENCE (see the README).',
    'MEDIA_LAB_METRICS_TOKEN: a bearer token (16+ characters) that may read /api/media-lab/metrics (for Prometheus).',
  ].join('\n'),
  options: [
    { name: 'host', value: '<addr>', env: 'MEDIA_LAB_HOST', help: 'interface to listen on (default 127.0.0.1; 0.0.0.0 or :: for all)' },
    { name: 'port', value: '<n>', env: 'PORT', help: 'port to listen on (default 6699)' },
    { name: 'token-file', value: '<path>', env: 'MEDIA_LAB_ADMIN_TOKEN_FILE', help: 'admin token file (else MEDIA_LAB_ADMIN_TOKEN)' },
    { name: 'no-worker', help: 'serve only; run workers with `media-lab worker`' },
    ...DATABASE_OPTIONS,
    COMFY_OPTION,
    PRESETS_DIR_OPTION,
    ...PROMPT_QUEUE_OPTIONS,
    ...LOG_OPTIONS,
  ],
  async run(args, log) {
    const { dataDir, db, comfy } = settingsOf(args);
    const { host, port } = listenAddress(args);
    const tokenFile = flag(args, 'token-file', 'MEDIA_LAB_ADMIN_TOKEN_FILE');
    const token = tokenFile ? readFileSync(tokenFile, 'utf8').trim() : process.env.MEDIA_LAB_ADMIN_TOKEN;
    const auth = serveAuthenticate(token); // the admin token and/or host tokens (MEDIA_LAB_JWT_*)
    const labOptions = labOptionsOf(args);
    const output = await openCliLogger(args, log);
    const promptQueue = promptQueueForServe(args, output.logger);
    const server = await startStandaloneServer({
      lab: { ...labOptions, metricsToken: process.env.MEDIA_LAB_METRICS_TOKEN || labOptions.metricsToken },
      host,
      port,
      dataDir,
      database: db,
      comfy,
      authenticate: auth.authenticate,
      worker: args.flags.has('no-worker') ? false : (settingsOf(args).file.worker?.enabled ?? true),
      extraRoutes: (lab) => promptQueue.extraRoutes(lab),
      logger: output.logger,
    });
    output.logger.info(`media-lab serve: ${server.url}/api/media-lab (database ${db}; accepts ${auth.summary})`);
    await untilSignal();
    await promptQueue.stop();
    await server.close();
    await output.close();
    return EXIT.ok;
  },
};

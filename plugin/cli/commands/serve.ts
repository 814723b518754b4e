// `media-lab serve`: the Media Lab API (and workers) as a standalone server, for hosts that are
// not Node; with a prompts table in the database it also runs the prompt queue.
import { readFileSync } from 'node:fs';
import { flag } from '../args.js';
import { COMFY_OPTION, commonOptions, DATABASE_OPTIONS, EXIT, LOG_OPTIONS, untilSignal, type Command } from '../command.js';
import { openCliLogger } from '../log-output.js';
import { startStandaloneServer } from '../serve.js';
import { serveAuthenticate } from '../serve-auth.js';
import { promptQueueForServe } from './prompt-queue.js';
import { PROMPT_QUEUE_OPTIONS } from './prompt-queue-args.js';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'run the Media Lab API (and workers) as a standalone server',
  synopsis: '[--port <n>] [--token-file <path>] [--no-worker] [--db <file|url>]',
  details:
    'With a prompts table in the database, serve also polls it and mounts /api/prompts.\n' +
    'Host users: MEDIA_LAB_JWT_SECRET[_FILE] / _PUBLIC_KEY_FILE / _JWKS_FILE, _ISSUER, _AUDIENCE (see the README).\n' +
    'MEDIA_LAB_METRICS_TOKEN: a bearer token (16+ characters) that may read /api/media-lab/metrics (for Prometheus).',
  options: [
    { name: 'port', value: '<n>', env: 'PORT', help: 'port to listen on (default 6699)' },
    { name: 'token-file', value: '<path>', env: 'MEDIA_LAB_ADMIN_TOKEN_FILE', help: 'admin token file (else MEDIA_LAB_ADMIN_TOKEN)' },
    { name: 'no-worker', help: 'serve only; run workers with `media-lab worker`' },
    ...DATABASE_OPTIONS,
    COMFY_OPTION,
    ...PROMPT_QUEUE_OPTIONS,
    ...LOG_OPTIONS,
  ],
  async run(args, log) {
    const { dataDir, db, comfy } = commonOptions(args);
    const tokenFile = flag(args, 'token-file', 'MEDIA_LAB_ADMIN_TOKEN_FILE');
    const token = tokenFile ? readFileSync(tokenFile, 'utf8').trim() : process.env.MEDIA_LAB_ADMIN_TOKEN;
    const auth = serveAuthenticate(token); // the admin token and/or host tokens (MEDIA_LAB_JWT_*)
    const port = Number(flag(args, 'port', 'PORT') ?? 6699);
    const output = await openCliLogger(args, log);
    const promptQueue = promptQueueForServe(args, output.logger);
    const server = await startStandaloneServer({
      port,
      dataDir,
      database: db,
      comfy,
      authenticate: auth.authenticate,
      worker: !args.flags.has('no-worker'),
      metricsToken: process.env.MEDIA_LAB_METRICS_TOKEN || undefined,
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

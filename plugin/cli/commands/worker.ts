// `media-lab worker`: job workers in this process, against the database, until a signal.
import { createMediaLab } from '../../media-lab.js';
import { COMFY_OPTION, commonOptions, DATABASE_OPTIONS, EXIT, LOG_OPTIONS, PRESETS_DIR_OPTION, untilSignal, type Command } from '../command.js';
import { labOptionsOf } from '../settings.js';
import { openCliLogger } from '../log-output.js';

export const workerCommand: Command = {
  name: 'worker',
  summary: 'run job workers in this process against the database (Ctrl-C stops them gracefully)',
  synopsis: '[--config <file.json>] [--db <file|url>] [--comfy <url,url>] [--log-file <path>]',
  options: [...DATABASE_OPTIONS, COMFY_OPTION, PRESETS_DIR_OPTION, ...LOG_OPTIONS],
  async run(args, log) {
    const { db } = commonOptions(args);
    const output = await openCliLogger(args, log);
    // Scheduled retention runs in serve (or prompt-queue --watch), not in every worker process.
    const { retention: _retention, ...options } = labOptionsOf(args);
    const lab = await createMediaLab({ ...options, worker: { ...options.worker, enabled: true }, authenticate: () => null, logger: output.logger });
    await lab.migrate();
    await lab.start();
    output.logger.info(`media-lab worker ${lab.worker?.id} running against ${db}`);
    await untilSignal();
    output.logger.info('media-lab worker: stopping (running jobs reach a checkpoint, leases released)');
    await lab.stop();
    await output.close();
    return EXIT.ok;
  },
};

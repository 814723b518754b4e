// `media-lab worker`: job workers in this process, against the database, until a signal.
import { createMediaLab } from '../../media-lab.js';
import { COMFY_OPTION, commonOptions, DATABASE_OPTIONS, EXIT, PRESETS_DIR_OPTION, untilSignal, type Command } from '../command.js';
import { labOptionsOf } from '../settings.js';

export const workerCommand: Command = {
  name: 'worker',
  summary: 'run job workers in this process against the database (Ctrl-C stops them gracefully)',
  synopsis: '[--config <file.json>] [--db <file|url>] [--comfy <url,url>]',
  options: [...DATABASE_OPTIONS, COMFY_OPTION, PRESETS_DIR_OPTION],
  async run(args, log) {
    const { db } = commonOptions(args);
    // Scheduled retention runs in serve (or prompt-queue --watch), not in every worker process.
    const { retention: _retention, ...options } = labOptionsOf(args);
    const lab = await createMediaLab({ ...options, worker: { ...options.worker, enabled: true }, authenticate: () => null });
    await lab.migrate();
    await lab.start();
    log.info(`media-lab worker ${lab.worker?.id} running against ${db}`);
    await untilSignal();
    log.info('media-lab worker: stopping (running jobs reach a checkpoint, leases released)');
    await lab.stop();
    return EXIT.ok;
  },
};

// `media-lab worker`: job workers in this process, against the database, until a signal.
import { createMediaLab } from '../../media-lab.js';
import { COMFY_OPTION, commonOptions, DATABASE_OPTIONS, EXIT, LOG_OPTIONS, untilSignal, type Command } from '../command.js';
import { openCliLogger } from '../log-output.js';

export const workerCommand: Command = {
  name: 'worker',
  summary: 'run job workers in this process against the database (Ctrl-C stops them gracefully)',
  synopsis: '[--db <file|url>] [--comfy <url,url>]',
  options: [...DATABASE_OPTIONS, COMFY_OPTION, ...LOG_OPTIONS],
  async run(args, log) {
    const { dataDir, db, comfy } = commonOptions(args);
    const output = await openCliLogger(args, log);
    const lab = await createMediaLab({
      dataDir,
      database: db,
      authenticate: () => null,
      comfy: { backends: comfy.map((url, i) => ({ name: `comfy-${i + 1}`, url })) },
      logger: output.logger,
    });
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

// `media-lab worker`: job workers in this process, against the database, until a signal.
import { createMediaLab } from '../../media-lab.js';
import { COMFY_OPTION, commonOptions, DATABASE_OPTIONS, EXIT, untilSignal, type Command } from '../command.js';

export const workerCommand: Command = {
  name: 'worker',
  summary: 'run job workers in this process against the database (Ctrl-C stops them gracefully)',
  synopsis: '[--db <file|url>] [--comfy <url,url>]',
  options: [...DATABASE_OPTIONS, COMFY_OPTION],
  async run(args, log) {
    const { dataDir, db, comfy } = commonOptions(args);
    const lab = await createMediaLab({
      dataDir,
      database: db,
      authenticate: () => null,
      comfy: { backends: comfy.map((url, i) => ({ name: `comfy-${i + 1}`, url })) },
    });
    await lab.migrate();
    await lab.start();
    log.info(`media-lab worker ${lab.worker?.id} running against ${db}`);
    await untilSignal();
    log.info('media-lab worker: stopping (running jobs reach a checkpoint, leases released)');
    await lab.stop();
    return EXIT.ok;
  },
};

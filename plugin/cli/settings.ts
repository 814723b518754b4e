// What a command runs with, from four places in this order: a flag, then its environment
// variable, then the config file (--config / MEDIA_LAB_CONFIG), then the default.
import { resolve } from 'node:path';
import { flag, type OptionSpec, type ParsedArgs } from './args.js';
import { parseBackendList } from './backend-list.js';
import { loadConfigFile, type ConfigFile } from './config-file.js';
import type { MediaLabOptionsInput } from '../options.js';

export const CONFIG_OPTION: OptionSpec = {
  name: 'config',
  value: '<file.json>',
  env: 'MEDIA_LAB_CONFIG',
  help: 'configuration file (JSON; flags and environment variables override it)',
};

export type BackendSetting = NonNullable<NonNullable<ConfigFile['comfy']>['backends']>[number];

export interface Settings {
  /** The config file as written (paths resolved against its folder); {} without one. */
  file: ConfigFile;
  configPath: string | null;
  dataDir: string;
  db: string;
  comfy: BackendSetting[];
  presetsDir: string | undefined;
}

const loaded = new Map<string, ConfigFile>();

/** The config file named by --config or MEDIA_LAB_CONFIG (read once per process). */
export function configFileOf(args: ParsedArgs): { path: string | null; file: ConfigFile } {
  const path = flag(args, 'config', 'MEDIA_LAB_CONFIG');
  if (!path) return { path: null, file: {} };
  const key = resolve(path);
  if (!loaded.has(key)) loaded.set(key, loadConfigFile(path));
  return { path: key, file: loaded.get(key)! };
}

export function settingsOf(args: ParsedArgs): Settings {
  const { path, file } = configFileOf(args);
  const dataDir = resolve(flag(args, 'data-dir', 'MEDIA_LAB_DATA_DIR') ?? process.env.DATA_DIR ?? file.dataDir ?? './data');
  const db = flag(args, 'db', 'MEDIA_LAB_DB') ?? file.database ?? resolve(dataDir, 'media-lab.sqlite');
  const comfyFlag = args.flags.get('comfy')?.at(-1);
  const comfyList = comfyFlag ?? process.env.COMFYUI_URL;
  const comfy = comfyList !== undefined && comfyList.trim() !== '' ? parseBackendList(comfyList, comfyFlag !== undefined ? '--comfy' : 'COMFYUI_URL') : (file.comfy?.backends ?? []);
  const presetsFlag = flag(args, 'presets-dir', 'MEDIA_LAB_PRESETS_DIR');
  const presetsDir = presetsFlag !== undefined ? resolve(presetsFlag) : file.comfy?.presetsDir;
  return { file, configPath: path, dataDir, db, comfy, presetsDir };
}

/**
 * createMediaLab's options from the settings (everything but authenticate and logger): the
 * file's sections, with the flags' data folder, database, backends and presets folder over them.
 */
export function labOptionsOf(args: ParsedArgs): Omit<MediaLabOptionsInput, 'authenticate'> {
  const { file, dataDir, db, comfy, presetsDir } = settingsOf(args);
  const { promptQueue: _promptQueue, port: _port, host: _host, database: _database, comfy: comfyFile, ...lab } = file;
  return {
    ...lab,
    dataDir,
    database: db,
    comfy: { ...comfyFile, backends: comfy, ...(presetsDir !== undefined ? { presetsDir } : {}) },
  };
}

// The unattended examples in examples/launchd and examples/systemd: the plist is a valid property
// list (python3's plistlib reads it) that runs `prompt-queue --once --config ...` every minute;
// the systemd units parse as section/key lines and run what the README says.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { COMMANDS } from '../../plugin/cli/commands/index.js';
import { parseArgs } from '../../plugin/cli/args.js';

const PLIST = 'examples/launchd/com.example.media-lab.prompt-queue.plist';

/** A systemd unit as { section: { key: [values] } }; throws on a line that is neither. */
function parseUnit(path: string): Record<string, Record<string, string[]>> {
  const unit: Record<string, Record<string, string[]>> = {};
  let section: Record<string, string[]> | null = null;
  for (const [i, raw] of readFileSync(path, 'utf8').split('\n').entries()) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[([A-Za-z]+)\]$/.exec(line);
    if (header) {
      section = unit[header[1]] ??= {};
      continue;
    }
    const entry = /^([A-Za-z][A-Za-z0-9]*)=(.*)$/.exec(line);
    assert.ok(entry && section, `${path}:${i + 1}: not a [Section] or Key=value line: ${raw}`);
    (section[entry[1]] ??= []).push(entry[2]);
  }
  return unit;
}

/** The media-lab arguments of a command line, checked against the command's declared options. */
function mediaLabArgs(commandLine: string[]): string[] {
  const at = commandLine.findIndex((a) => a.endsWith('/media-lab'));
  assert.ok(at >= 0, `no media-lab in ${commandLine.join(' ')}`);
  const argv = commandLine.slice(at + 1);
  const command = COMMANDS.find((c) => c.name === argv[0]);
  assert.ok(command, `unknown command ${argv[0]}`);
  parseArgs(argv, command.options); // throws on an option the command does not take
  return argv;
}

describe('unattended examples (launchd, systemd)', () => {
  const hasPython = spawnSync('python3', ['-c', 'import plistlib'], { stdio: 'ignore' }).status === 0;

  it('the LaunchAgent is a valid plist running prompt-queue --once --config every 60 s with its logs', function () {
    if (!hasPython) this.skip();
    const json = execFileSync('python3', ['-c', 'import json, plistlib, sys; print(json.dumps(plistlib.load(open(sys.argv[1], "rb"))))', PLIST], { encoding: 'utf8' });
    const plist = JSON.parse(json) as Record<string, unknown>;
    assert.equal(plist.Label, 'com.example.media-lab.prompt-queue');
    assert.equal(plist.StartInterval, 60);
    assert.equal(typeof plist.StandardOutPath, 'string');
    assert.equal(typeof plist.StandardErrorPath, 'string');
    const argv = mediaLabArgs(plist.ProgramArguments as string[]);
    assert.deepEqual(argv.slice(0, 2), ['prompt-queue', '--once']);
    assert.ok(argv.includes('--config'));
  });

  it('media-lab.service runs serve --config; the prompt-queue service runs --once from a 1 min timer', () => {
    const serve = parseUnit('examples/systemd/media-lab.service');
    assert.deepEqual(mediaLabArgs(serve.Service.ExecStart[0].split(/\s+/)).slice(0, 2), ['serve', '--config']);
    assert.deepEqual(serve.Install.WantedBy, ['multi-user.target']);

    const once = parseUnit('examples/systemd/media-lab-prompt-queue.service');
    assert.deepEqual(once.Service.Type, ['oneshot']);
    assert.deepEqual(mediaLabArgs(once.Service.ExecStart[0].split(/\s+/)).slice(0, 2), ['prompt-queue', '--once']);
    assert.deepEqual(once.Service.SuccessExitStatus, ['3 75']);

    const timer = parseUnit('examples/systemd/media-lab-prompt-queue.timer');
    assert.deepEqual(timer.Timer.OnUnitActiveSec, ['1min']);
    assert.deepEqual(timer.Timer.Unit, ['media-lab-prompt-queue.service']);
    assert.deepEqual(timer.Install.WantedBy, ['timers.target']);
  });
});

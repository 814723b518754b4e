// The command line of one script run, as an array (no shell ever sees it):
//   <script.py> --<option>=<value>... --comfyui-directory <dir> -- <comfyArgs...> --base-directory <job base>
// Values: the script passes each node-input value through json.loads (falling back to the raw
// text), so every text goes JSON-encoded (`"12345"` stays the text 12345, `true` stays the text
// true), numbers and booleans as JSON, artifacts as the absolute path of their file. `--opt=value`
// keeps values that start with "-" from reading as options. Empty optional values are left out
// (the script keeps the workflow's value). No `--output`: outputs land in the job's own
// `<base>/output` (SaveAudio ignores --output, and `-o DIR` would overwrite one output.png).
import type { JsonObject, JsonValue, ParameterSpec, PresetScript } from '../../../bridge/types.js';
import { MediaLabError } from '../../core/errors.js';

export interface ScriptCommandInput {
  scriptPath: string;
  script: PresetScript;
  parameters: ParameterSpec[];
  params: JsonObject;
  /** The absolute path of an input artifact's file, by id. */
  inputPath(id: string): string;
  /** Given as --comfyui-directory: a folder holding (or named) `ComfyUI`. */
  comfyuiSearchDir: string;
  /** ComfyUI's --base-directory for this run (input, output, user, custom_nodes, models). */
  baseDirectory: string;
  comfyArgs: string[];
}

function encode(spec: ParameterSpec, value: JsonValue, inputPath: (id: string) => string): string {
  switch (spec.type) {
    case 'image':
    case 'audio':
      return JSON.stringify(inputPath(String(value)));
    default:
      // Text as a JSON string, numbers and booleans as JSON: json.loads gives back the same value.
      return JSON.stringify(value);
  }
}

/** The arguments after the Python executable. */
export function buildScriptArgs(input: ScriptCommandInput): string[] {
  const args: string[] = [input.scriptPath];
  for (const spec of input.parameters) {
    if (!spec.option) continue;
    const value = input.params[spec.name];
    if (value === undefined || value === null || value === '') continue;
    const option = input.script.options.find((o) => o.flag === spec.option);
    if (option?.action === 'store_true' || option?.action === 'store_false') {
      if (value === (option.action === 'store_true')) args.push(spec.option);
      continue;
    }
    // Options with an argparse type (--queue-size) skip json.loads: they take the plain number.
    const text = option?.type && typeof value !== 'string' ? String(value) : encode(spec, value, input.inputPath);
    if (text.includes('\0')) throw new MediaLabError('VALIDATION_FAILED', `params.${spec.name}: a NUL character cannot be passed to a script`);
    args.push(`${spec.option}=${text}`);
  }
  args.push('--comfyui-directory', input.comfyuiSearchDir, '--', ...input.comfyArgs, '--base-directory', input.baseDirectory);
  return args;
}

// POST /prompt validation as ComfyUI's execution.py validate_prompt / validate_inputs do it:
// the same error types, messages, details and extra_info, the same recursion through links
// (a failing upstream node marks its dependants invalid without errors of their own) and the
// same quirk that a link to a missing node is reported on the linked node by its caller.
import { existsSync } from 'node:fs';
import type { ApiWorkflow, ComfyErrorDetail, ComfyNodeError, JsonObject, JsonValue } from '../../bridge/types.js';
import { annotatedInputPath } from './nodes/image.js';
import type { FakeObjectInfo } from './object-info.js';

export interface ValidationResult {
  ok: boolean;
  error: ComfyErrorDetail | null;
  goodOutputs: string[];
  nodeErrors: Record<string, ComfyNodeError>;
}

type Validated = Map<string, { valid: boolean; reasons: ComfyErrorDetail[] }>;

class KeyError extends Error {}

function pyFloat(n: number): string {
  return Number.isInteger(n) ? n.toFixed(1) : String(n);
}

function pyRepr(values: JsonValue[]): string {
  return `[${values.map((v) => (typeof v === 'string' ? `'${v}'` : String(v))).join(', ')}]`;
}

function fail(type: string, message: string, details: string, extra: JsonObject): ComfyErrorDetail {
  return { type, message, details, extra_info: extra };
}

function convert(type: string, value: JsonValue): { value: JsonValue } | { error: string } {
  if (type === 'INT') {
    if (typeof value === 'number') return { value: Math.trunc(value) };
    if (typeof value === 'boolean') return { value: value ? 1 : 0 };
    if (typeof value === 'string' && /^\s*[-+]?\d+\s*$/.test(value)) return { value: Number.parseInt(value, 10) };
    return { error: `invalid literal for int() with base 10: '${String(value)}'` };
  }
  if (type === 'FLOAT') {
    if (typeof value === 'number') return { value };
    if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return { value: Number(value) };
    return { error: `could not convert string to float: '${String(value)}'` };
  }
  if (type === 'STRING') return { value: typeof value === 'string' ? value : JSON.stringify(value) };
  if (type === 'BOOLEAN') return { value: Boolean(value) };
  return { value };
}

function typesMatch(received: string, expected: string): boolean {
  if (received === '*' || expected === '*') return true;
  const a = received.split(',').map((s) => s.trim());
  const b = expected.split(',').map((s) => s.trim());
  return a.some((t) => b.includes(t));
}

export class PromptValidator {
  constructor(
    private readonly catalog: FakeObjectInfo,
    private readonly inputDir: string,
    /** v0.3.64 says `invalid_prompt`; 0.33.x says `missing_node_type`. */
    private readonly unknownNodeType: string = 'invalid_prompt',
  ) {}

  validate(prompt: ApiWorkflow, partialTargets?: string[]): ValidationResult {
    const outputs: string[] = [];
    for (const [id, node] of Object.entries(prompt)) {
      if (!node || typeof node !== 'object' || !('class_type' in node)) {
        return this.reject('invalid_prompt', 'Cannot execute because a node is missing the class_type property.', `Node ID '#${id}'`);
      }
      const spec = this.catalog.spec(node.class_type);
      if (!spec) {
        return this.reject(this.unknownNodeType, `Cannot execute because node ${node.class_type} does not exist.`, `Node ID '#${id}'`);
      }
      if (spec.outputNode && (!partialTargets || partialTargets.includes(id))) outputs.push(id);
    }
    if (outputs.length === 0) return this.reject('prompt_no_outputs', 'Prompt has no outputs', '');

    const validated: Validated = new Map();
    const good: string[] = [];
    const failedOwnReasons: ComfyErrorDetail[] = [];
    const nodeErrors: Record<string, ComfyNodeError> = {};
    for (const output of outputs) {
      let valid: boolean;
      let reasons: ComfyErrorDetail[];
      try {
        ({ valid, reasons } = this.validateNode(prompt, output, validated));
      } catch (error) {
        valid = false;
        reasons = [
          fail('exception_during_validation', 'Exception when validating node', `'${(error as Error).message}'`, {
            exception_type: error instanceof KeyError ? 'KeyError' : 'Exception',
            traceback: ['  File "execution.py", in validate_prompt\n'],
          }),
        ];
        validated.set(output, { valid, reasons });
      }
      if (valid) {
        good.push(output);
        continue;
      }
      failedOwnReasons.push(...reasons);
      for (const [nodeId, result] of validated) {
        if (result.valid || result.reasons.length === 0) continue;
        nodeErrors[nodeId] ??= { errors: result.reasons, dependent_outputs: [], class_type: prompt[nodeId]?.class_type ?? '' };
        nodeErrors[nodeId].dependent_outputs.push(output);
      }
    }
    if (good.length === 0) {
      return {
        ok: false,
        error: {
          type: 'prompt_outputs_failed_validation',
          message: 'Prompt outputs failed validation',
          details: failedOwnReasons.map((r) => `${r.message}: ${r.details}`).join('\n'),
          extra_info: {},
        },
        goodOutputs: [],
        nodeErrors,
      };
    }
    return { ok: true, error: null, goodOutputs: good, nodeErrors };
  }

  private reject(type: string, message: string, details: string): ValidationResult {
    return { ok: false, error: { type, message, details, extra_info: {} }, goodOutputs: [], nodeErrors: {} };
  }

  private validateNode(prompt: ApiWorkflow, id: string, validated: Validated): { valid: boolean; reasons: ComfyErrorDetail[] } {
    const known = validated.get(id);
    if (known) return known;
    const node = prompt[id];
    const spec = this.catalog.spec(node.class_type);
    const raw = this.catalog.raw(node.class_type);
    if (!spec || !raw) throw new KeyError(node.class_type);
    const errors: ComfyErrorDetail[] = [];
    let valid = true;
    const customValidated = node.class_type === 'LoadImage' || node.class_type === 'LoadImageMask' ? ['image'] : node.class_type === 'LoadAudio' ? ['audio'] : [];

    for (const input of spec.inputs) {
      const config = ((raw.input.required?.[input.name] ?? raw.input.optional?.[input.name]) as JsonValue) ?? null;
      if (!(input.name in node.inputs)) {
        if (input.required) {
          errors.push(fail('required_input_missing', 'Required input is missing', input.name, { input_name: input.name }));
        }
        continue;
      }
      const value = node.inputs[input.name];
      if (Array.isArray(value)) {
        if (value.length !== 2) {
          errors.push(
            fail('bad_linked_input', 'Bad linked input, must be a length-2 list of [node_id, slot_index]', input.name, {
              input_name: input.name,
              input_config: config,
              received_value: value,
            }),
          );
          continue;
        }
        const [linkedId, slot] = value as [string, number];
        const linked = prompt[linkedId];
        if (!linked) throw new KeyError(String(linkedId)); // raised outside the try, like ComfyUI
        const receivedType = this.catalog.spec(linked.class_type)?.outputs[slot] ?? '*';
        if (!typesMatch(receivedType, input.type === 'COMBO' ? receivedType : input.type)) {
          errors.push(
            fail('return_type_mismatch', 'Return type mismatch between linked nodes', `${input.name}, received_type(${receivedType}) mismatch input_type(${input.type})`, {
              input_name: input.name,
              input_config: config,
              received_type: receivedType,
              linked_node: value,
            }),
          );
          continue;
        }
        try {
          const result = this.validateNode(prompt, String(linkedId), validated);
          if (!result.valid) valid = false;
        } catch (error) {
          valid = false;
          const message = `'${(error as Error).message}'`;
          validated.set(String(linkedId), {
            valid: false,
            reasons: [
              fail('exception_during_inner_validation', 'Exception when validating inner node', message, {
                input_name: input.name,
                input_config: config,
                exception_message: message,
                exception_type: error instanceof KeyError ? 'KeyError' : 'Exception',
                traceback: [
                  '  File "/srv/comfyui/execution.py", line 808, in validate_inputs\n    r = await validate_inputs(prompt_id, prompt, o_id, validated)\n',
                  "  File \"/srv/comfyui/execution.py\", line 788, in validate_inputs\n    o_class_type = prompt[o_id]['class_type']\n",
                ],
                linked_node: value,
              }),
            ],
          });
        }
        continue;
      }

      const converted = convert(input.type, value);
      if ('error' in converted) {
        errors.push(
          fail('invalid_input_type', `Failed to convert an input value to a ${input.type} value`, `${input.name}, ${String(value)}, ${converted.error}`, {
            input_name: input.name,
            input_config: config,
            received_value: value,
            exception_message: converted.error,
          }),
        );
        continue;
      }
      const v = converted.value;
      if (customValidated.includes(input.name)) continue;
      const show = (n: number) => (input.type === 'FLOAT' ? pyFloat(n) : String(n));
      if (typeof v === 'number' && input.min !== undefined && v < input.min) {
        errors.push(
          fail('value_smaller_than_min', `Value ${show(v)} smaller than min of ${show(input.min)}`, input.name, {
            input_name: input.name,
            input_config: config,
            received_value: v,
          }),
        );
        continue;
      }
      if (typeof v === 'number' && input.max !== undefined && v > input.max) {
        errors.push(
          fail('value_bigger_than_max', `Value ${show(v)} bigger than max of ${show(input.max)}`, input.name, {
            input_name: input.name,
            input_config: config,
            received_value: v,
          }),
        );
        continue;
      }
      if (input.type === 'COMBO' && input.options && !input.options.includes(v)) {
        const long = input.options.length > 20;
        errors.push(
          fail(
            'value_not_in_list',
            'Value not in list',
            `${input.name}: '${String(v)}' not in ${long ? `(list of length ${input.options.length})` : pyRepr(input.options)}`,
            { input_name: input.name, input_config: long ? null : config, received_value: v },
          ),
        );
      }
    }

    for (const name of customValidated) {
      const value = node.inputs[name];
      if (typeof value !== 'string') continue;
      if (!existsSync(annotatedInputPath(this.inputDir, value))) {
        const what = name === 'audio' ? 'audio' : 'image';
        errors.push(fail('custom_validation_failed', 'Custom validation failed for node', `${name} - Invalid ${what} file: ${value}`, { input_name: name }));
      }
    }

    const result = { valid: valid && errors.length === 0, reasons: errors };
    validated.set(id, result);
    return result;
  }
}

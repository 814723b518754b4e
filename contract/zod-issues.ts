// zod issues -> the contract's field issues with dotted paths (`params.targetFps`, `inputs[0]`)
// and messages that read as sentences after the field: `params.scale: must be 2, 3 or 4`,
// `priority: must be a number`, `workflow: is required`. A message a schema wrote itself is
// kept; zod's own English defaults ("Invalid input: expected number, received string") are
// rewritten from the issue's facts.
import type { z } from 'zod';
import type { FieldIssue } from './errors.js';

type Issue = z.core.$ZodIssue;

export function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, part) => {
    if (typeof part === 'number') return `${acc}[${part}]`;
    return acc ? `${acc}.${String(part)}` : String(part);
  }, '');
}

/** `input`, the value that was parsed, lets a missing field read `is required` whatever its
 * schema (zod's issue for a missing enum value does not say the value was missing). */
export function zodIssues(error: z.ZodError, prefix: PropertyKey[] = [], input?: unknown): FieldIssue[] {
  const field = (path: readonly PropertyKey[]) => fieldPath([...prefix, ...path]) || prefix.map(String).join('.') || '(body)';
  return error.issues.flatMap((issue): FieldIssue[] => {
    if (!isDefault(issue.message)) return [{ field: field(issue.path), message: issue.message }];
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: field([...issue.path, key]), message: 'is not a known field' }));
    }
    const absent = input !== undefined && issue.path.length > 0 && valueAt(input, issue.path) === undefined;
    return [{ field: field(issue.path), message: absent ? 'is required' : sentence(issue) }];
  });
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/** zod's English default messages (a schema's own message is kept as written). */
const ZOD_DEFAULT = /^(Invalid input|Invalid option|Too small|Too big|Invalid string|Invalid number|Unrecognized keys?:|Invalid key in|Invalid value in|Invalid discriminator|Invalid [A-Za-z0-9 -]+$)/;

function isDefault(message: string): boolean {
  return ZOD_DEFAULT.test(message);
}

/** The rule the value broke, as the end of a sentence that starts with the field's name. */
export function sentence(issue: Issue): string {
  switch (issue.code) {
    case 'invalid_type':
      return missing(issue) ? 'is required' : `must be ${typeName(issue.expected)}`;
    case 'invalid_value':
      return `must be ${oneOf(issue.values.map(valueText))}`;
    case 'too_small':
      return bound(issue.origin, 'min', issue.minimum, issue.inclusive ?? true, issue.exact ?? false);
    case 'too_big':
      return bound(issue.origin, 'max', issue.maximum, issue.inclusive ?? true, issue.exact ?? false);
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    case 'invalid_format':
      return formatRule(issue);
    case 'unrecognized_keys':
      return `has fields it does not know: ${issue.keys.join(', ')}`;
    case 'invalid_union':
      return unionRule(issue);
    case 'invalid_key':
      return 'has a key that is not allowed';
    case 'invalid_element':
      return 'has a value that is not allowed';
    default:
      return 'is not valid';
  }
}

/** zod only says "received undefined" in its default message (issues drop the input). */
function missing(issue: Issue): boolean {
  return / received undefined$/.test(issue.message);
}

const TYPE_NAMES: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  bigint: 'a whole number',
  string: 'a string',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  date: 'a date',
  null: 'null',
  function: 'a function',
  map: 'a map',
  set: 'a set',
  file: 'a file',
  record: 'an object',
  tuple: 'a list',
};

function typeName(expected: string): string {
  return TYPE_NAMES[expected] ?? `of type ${expected}`;
}

function valueText(value: unknown): string {
  return typeof value === 'string' ? value : String(value);
}

/** `a`, `a or b`, `a, b or c`. */
function oneOf(items: string[]): string {
  if (items.length <= 1) return items[0] ?? 'something else';
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

const UNITS: Record<string, [string, string]> = {
  string: ['character', 'characters'],
  array: ['item', 'items'],
  set: ['item', 'items'],
  file: ['byte', 'bytes'],
};

function bound(origin: string, side: 'min' | 'max', limit: number | bigint, inclusive: boolean, exact: boolean): string {
  const n = Number(limit);
  const unit = UNITS[origin];
  if (unit) {
    const count = `${String(limit)} ${n === 1 ? unit[0] : unit[1]}`;
    if (exact) return `must have exactly ${count}`;
    if (side === 'min' && n === 1 && inclusive) return 'must not be empty';
    if (side === 'min') return inclusive ? `must have at least ${count}` : `must have more than ${count}`;
    return inclusive ? `must have at most ${count}` : `must have fewer than ${count}`;
  }
  const value = origin === 'date' ? new Date(n).toISOString() : String(limit);
  if (exact) return `must be exactly ${value}`;
  if (origin === 'date') return side === 'min' ? `must be on or after ${value}` : `must be on or before ${value}`;
  if (side === 'min') return inclusive ? `must be at least ${value}` : `must be greater than ${value}`;
  return inclusive ? `must be at most ${value}` : `must be less than ${value}`;
}

function formatRule(issue: Extract<Issue, { code: 'invalid_format' }>): string {
  const extra = issue as { prefix?: string; suffix?: string; includes?: string; pattern?: string };
  if (issue.format === 'starts_with' && extra.prefix !== undefined) return `must start with "${extra.prefix}"`;
  if (issue.format === 'ends_with' && extra.suffix !== undefined) return `must end with "${extra.suffix}"`;
  if (issue.format === 'includes' && extra.includes !== undefined) return `must include "${extra.includes}"`;
  if (issue.format === 'regex' && extra.pattern !== undefined) return `must match the pattern ${extra.pattern}`;
  return `must be a valid ${issue.format.replace(/_/g, ' ')}`;
}

/** A union of literals reads as its values (`must be 2, 3 or 4`), of types as its types. */
function unionRule(issue: Extract<Issue, { code: 'invalid_union' }>): string {
  const branches = issue.errors;
  const flat = branches.map((b) => (b.length === 1 && b[0].path.length === 0 ? b[0] : null));
  if (flat.length && flat.every((i) => i !== null)) {
    const issues = flat as Issue[];
    if (issues.every((i) => i.code === 'invalid_value')) {
      return `must be ${oneOf(issues.flatMap((i) => (i as Extract<Issue, { code: 'invalid_value' }>).values.map(valueText)))}`;
    }
    if (issues.every((i) => i.code === 'invalid_type')) {
      if (issues.every(missing)) return 'is required';
      return `must be ${oneOf([...new Set(issues.map((i) => typeName((i as Extract<Issue, { code: 'invalid_type' }>).expected)))])}`;
    }
  }
  return 'does not match any of the allowed forms';
}

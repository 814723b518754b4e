// Reads a ComfyUI-SaveAsScript script as text, never running it: its argparse options (every
// `<parser>.add_argument(...)` call with literal arguments) and the API workflow it embeds
// (`PROMPT_DATA = json.loads('...')`). A small tokenizer for Python literals is enough: the
// converter writes flags, defaults, help texts and choices as literals.
import type { ApiWorkflow, JsonValue } from '../types.js';

/** One `add_argument` call of the script. */
export interface ScriptOption {
  /** Every flag, as written: `['--queue-size', '-q']`. */
  flags: string[];
  /** The first long flag (`--queue-size`), else the first flag. */
  flag: string;
  /** argparse's attribute name: `queue_size`. */
  dest: string;
  /** The literal default; absent when none or not a literal. */
  default?: JsonValue;
  /** `type=int` -> `int`. */
  type?: string;
  choices?: JsonValue[];
  /** `store_true` and friends. */
  action?: string;
  help?: string;
  /** The node input a generated option sets, from its help text (`... input `image` for node "LoadImage" id 1`). */
  node?: { id: string; input: string; title: string };
}

/** Options every SaveAsScript script has; the runner owns `--comfyui-directory` and `--output`. */
export const RUNNER_OWNED_OPTIONS = ['--comfyui-directory', '--output', '--help'] as const;
export const SCRIPT_FIXED_OPTIONS = ['--queue-size', '--comfyui-directory', '--output', '--disable-metadata', '--random-seed-type', '--help'] as const;

export interface ScriptSource {
  options: ScriptOption[];
  /** The embedded API workflow, when the script has a readable `PROMPT_DATA`. */
  workflow: ApiWorkflow | null;
}

type Token =
  | { t: 'str'; v: string }
  | { t: 'num'; v: number }
  | { t: 'name'; v: string }
  | { t: 'op'; v: string };

class ParseError extends Error {}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v', '0': '\0', '\n': '' };

/** Reads one Python string literal starting at `i` (prefix included). */
function readString(text: string, start: number): { value: string; end: number } {
  let i = start;
  let raw = false;
  while (/[rRbBuU]/.test(text[i])) {
    if (text[i] === 'r' || text[i] === 'R') raw = true;
    i++;
  }
  const quote = text[i];
  const triple = text.startsWith(quote.repeat(3), i);
  const close = triple ? quote.repeat(3) : quote;
  i += close.length;
  let out = '';
  for (;;) {
    if (i >= text.length) throw new ParseError('unterminated string');
    if (text.startsWith(close, i)) return { value: out, end: i + close.length };
    const c = text[i];
    if (!triple && c === '\n') throw new ParseError('newline in string');
    if (c === '\\' && !raw) {
      const n = text[i + 1];
      if (n === 'x') {
        out += String.fromCharCode(parseInt(text.slice(i + 2, i + 4), 16));
        i += 4;
      } else if (n === 'u') {
        out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
        i += 6;
      } else if (n === 'U') {
        out += String.fromCodePoint(parseInt(text.slice(i + 2, i + 10), 16));
        i += 10;
      } else if (n in ESCAPES) {
        out += ESCAPES[n];
        i += 2;
      } else {
        out += `\\${n}`;
        i += 2;
      }
      continue;
    }
    out += c;
    i++;
  }
}

/** Tokens of the call's argument list from `start` (just after the opening parenthesis) to its closing one. */
function tokenizeCall(text: string, start: number): { tokens: Token[]; end: number } {
  const tokens: Token[] = [];
  let depth = 1;
  let i = start;
  while (i < text.length) {
    const c = text[i];
    if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '"' || c === "'" || (/[rRbBuU]/.test(c) && /^[rRbBuU]{1,2}["']/.test(text.slice(i, i + 3)))) {
      const { value, end } = readString(text, i);
      const last = tokens[tokens.length - 1];
      // Adjacent literals concatenate ("a" "b").
      if (last && last.t === 'str') last.v += value;
      else tokens.push({ t: 'str', v: value });
      i = end;
      continue;
    }
    const num = /^-?(?:\d[\d_]*\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)/.exec(text.slice(i, i + 64));
    if (num && (c !== '-' || tokens.length === 0 || tokens[tokens.length - 1].t === 'op')) {
      tokens.push({ t: 'num', v: Number(num[0].replace(/_/g, '')) });
      i += num[0].length;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(text.slice(i, i + 200));
    if (name) {
      tokens.push({ t: 'name', v: name[0] });
      i += name[0].length;
      continue;
    }
    if ('([{'.includes(c)) depth++;
    if (')]}'.includes(c)) depth--;
    if (depth === 0) return { tokens, end: i + 1 };
    tokens.push({ t: 'op', v: c });
    i++;
  }
  throw new ParseError('unclosed call');
}

const NOT_LITERAL = Symbol('not a literal');
type Literal = JsonValue | typeof NOT_LITERAL;

/** A literal (str, number, True/False/None, list/tuple/dict of literals) from tokens[i]. */
function readLiteral(tokens: Token[], i: number): { value: Literal; next: number } {
  const tok = tokens[i];
  if (!tok) throw new ParseError('missing value');
  if (tok.t === 'str' || tok.t === 'num') return { value: tok.v, next: i + 1 };
  if (tok.t === 'name') {
    const named: Record<string, JsonValue> = { True: true, False: false, None: null };
    if (tok.v in named) return { value: named[tok.v], next: i + 1 };
    // An expression (`int`, `os.getcwd()`...): skip to the next top-level comma.
    return skipExpression(tokens, i);
  }
  if (tok.v === '[' || tok.v === '(' || tok.v === '{') {
    const close = tok.v === '[' ? ']' : tok.v === '(' ? ')' : '}';
    const isDict = tok.v === '{';
    const list: JsonValue[] = [];
    const dict: Record<string, JsonValue> = {};
    let literal = true;
    let j = i + 1;
    while (tokens[j] && !(tokens[j].t === 'op' && tokens[j].v === close)) {
      const item = readLiteral(tokens, j);
      j = item.next;
      if (isDict) {
        if (!(tokens[j]?.t === 'op' && tokens[j].v === ':')) throw new ParseError('bad dict');
        const val = readLiteral(tokens, j + 1);
        j = val.next;
        if (typeof item.value === 'string' && val.value !== NOT_LITERAL) dict[item.value] = val.value;
        else literal = false;
      } else if (item.value === NOT_LITERAL) literal = false;
      else list.push(item.value);
      if (tokens[j]?.t === 'op' && tokens[j].v === ',') j++;
    }
    return { value: literal ? (isDict ? dict : list) : NOT_LITERAL, next: j + 1 };
  }
  return skipExpression(tokens, i);
}

function skipExpression(tokens: Token[], i: number): { value: Literal; next: number } {
  let depth = 0;
  let j = i;
  for (; j < tokens.length; j++) {
    const tok = tokens[j];
    if (tok.t !== 'op') continue;
    if ('([{'.includes(tok.v)) depth++;
    else if (')]}'.includes(tok.v)) depth--;
    else if (tok.v === ',' && depth === 0) break;
  }
  return { value: NOT_LITERAL, next: j };
}

type Keyword = { literal: Literal } | { name: string };

/** Positional and keyword arguments of one call, as literals (or a bare name, for `type=int`). */
function callArguments(tokens: Token[]): { positional: Literal[]; keywords: Record<string, Keyword> } {
  const positional: Literal[] = [];
  const keywords: Record<string, Keyword> = {};
  let i = 0;
  while (i < tokens.length) {
    const tok = tokens[i];
    if (tok.t === 'name' && tokens[i + 1]?.t === 'op' && tokens[i + 1].v === '=') {
      const valueTok = tokens[i + 2];
      const value = readLiteral(tokens, i + 2);
      keywords[tok.v] = value.value === NOT_LITERAL && valueTok?.t === 'name' && value.next === i + 3 ? { name: valueTok.v } : { literal: value.value };
      i = value.next;
    } else {
      const value = readLiteral(tokens, i);
      positional.push(value.value);
      i = value.next;
    }
    if (tokens[i]?.t === 'op' && tokens[i].v === ',') i++;
    else if (i < tokens.length) throw new ParseError('unexpected token');
  }
  return { positional, keywords };
}

const NODE_HELP = /input `([^`]+)` for node "(.*)" id (\S+) \(autogenerated\)/s;

function optionFrom(tokens: Token[]): ScriptOption | null {
  const { positional, keywords } = callArguments(tokens);
  const flags = positional.filter((p): p is string => typeof p === 'string' && p.startsWith('-'));
  if (!flags.length) return null; // a positional argument: generated scripts have none
  const flag = flags.find((f) => f.startsWith('--')) ?? flags[0];
  const literal = (key: string): JsonValue | undefined => {
    const v = keywords[key];
    return v && 'literal' in v && v.literal !== NOT_LITERAL ? v.literal : undefined;
  };
  const dest = literal('dest');
  const option: ScriptOption = { flags, flag, dest: typeof dest === 'string' ? dest : flag.replace(/^-+/, '').replace(/-/g, '_') };
  const def = literal('default');
  if (def !== undefined) option.default = def;
  const type = keywords.type;
  if (type && 'name' in type) option.type = type.name;
  const choices = literal('choices');
  if (Array.isArray(choices)) option.choices = choices;
  const action = literal('action');
  if (typeof action === 'string') option.action = action;
  const help = literal('help');
  if (typeof help === 'string') {
    option.help = help;
    const m = NODE_HELP.exec(help);
    if (m) option.node = { input: m[1], title: m[2], id: m[3] };
  }
  return option;
}

/** Decodes the embedded workflow: `PROMPT_DATA = json.loads('<json>')`. */
function promptData(text: string): ApiWorkflow | null {
  const at = /PROMPT_DATA\s*=\s*json\.loads\(\s*/.exec(text);
  if (!at) return null;
  try {
    const { value } = readString(text, at.index + at[0].length);
    const parsed = JSON.parse(value) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as ApiWorkflow) : null;
  } catch {
    return null;
  }
}

/** Problems reading the script: which call, what. */
export class ScriptSourceError extends Error {}

export function readScriptSource(text: string): ScriptSource {
  const options: ScriptOption[] = [];
  const call = /\b[A-Za-z_][A-Za-z0-9_]*\.add_argument\(/g;
  for (let m = call.exec(text); m; m = call.exec(text)) {
    // Skip calls inside comments.
    const lineStart = text.lastIndexOf('\n', m.index) + 1;
    if (text.slice(lineStart, m.index).includes('#')) continue;
    try {
      const { tokens, end } = tokenizeCall(text, m.index + m[0].length);
      const option = optionFrom(tokens);
      if (option) options.push(option);
      call.lastIndex = end;
    } catch (error) {
      const line = text.slice(0, m.index).split('\n').length;
      throw new ScriptSourceError(`add_argument call on line ${line} could not be read (${(error as Error).message})`);
    }
  }
  return { options, workflow: promptData(text) };
}

/** The options that set node inputs (not the fixed ones every script has). */
export function nodeOptions(options: ScriptOption[]): ScriptOption[] {
  return options.filter((o) => !(SCRIPT_FIXED_OPTIONS as readonly string[]).includes(o.flag));
}

// A tiny arithmetic language for derived node inputs, e.g. blend factors from weights:
//   "has(image_3) * weight_3 / (weight_1 + weight_2 + has(image_3) * weight_3)"
// Numbers, parameter names, + - * /, parentheses, min(a, b, ...), max(...), has(name) (1 when the
// parameter is set, else 0). Division by zero gives 0. No other syntax, no side effects.

type Token = { kind: 'num'; value: number } | { kind: 'id'; value: string } | { kind: 'op'; value: string };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s*(?:(\d+(?:\.\d+)?(?:e[-+]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|([-+*/(),]))/gy;
  let match: RegExpExecArray | null;
  let at = 0;
  while (at < source.length) {
    re.lastIndex = at;
    match = re.exec(source);
    if (!match) {
      if (/^\s*$/.test(source.slice(at))) break;
      throw new Error(`unexpected "${source.slice(at).trim()[0]}" at ${at}`);
    }
    at = re.lastIndex;
    if (match[1] !== undefined) tokens.push({ kind: 'num', value: Number(match[1]) });
    else if (match[2] !== undefined) tokens.push({ kind: 'id', value: match[2] });
    else if (match[3] !== undefined) tokens.push({ kind: 'op', value: match[3] });
  }
  return tokens;
}

export interface ExpressionScope {
  value(name: string): number;
  has(name: string): boolean;
}

/** Parses once; throws a readable error on bad syntax or unknown names. */
export function compileExpression(source: string, known: ReadonlySet<string>): (scope: ExpressionScope) => number {
  const tokens = tokenize(source);
  let pos = 0;
  const peek = () => tokens[pos];
  const take = (op?: string) => {
    const t = tokens[pos];
    if (!t || (op !== undefined && !(t.kind === 'op' && t.value === op))) {
      throw new Error(`expected ${op ? `"${op}"` : 'more'} in "${source}"`);
    }
    pos += 1;
    return t;
  };
  type Node = (s: ExpressionScope) => number;

  const primary = (): Node => {
    const t = take();
    if (t.kind === 'num') return () => t.value;
    if (t.kind === 'op' && t.value === '(') {
      const inner = sum();
      take(')');
      return inner;
    }
    if (t.kind === 'op' && t.value === '-') {
      const inner = primary();
      return (s) => -inner(s);
    }
    if (t.kind === 'id') {
      const next = peek();
      if (next?.kind === 'op' && next.value === '(') {
        take('(');
        const args: Array<Node | string> = [];
        if (!(peek()?.kind === 'op' && peek()?.value === ')')) {
          do {
            if (t.value === 'has') {
              const arg = take();
              if (arg.kind !== 'id' || !known.has(arg.value)) throw new Error(`has() needs a parameter name in "${source}"`);
              args.push(arg.value);
            } else args.push(sum());
          } while (peek()?.kind === 'op' && peek()?.value === ',' && take(','));
        }
        take(')');
        if (t.value === 'has') return (s) => (s.has(args[0] as string) ? 1 : 0);
        const fns = args as Node[];
        if (t.value === 'min') return (s) => Math.min(...fns.map((f) => f(s)));
        if (t.value === 'max') return (s) => Math.max(...fns.map((f) => f(s)));
        throw new Error(`unknown function ${t.value}() in "${source}"`);
      }
      if (!known.has(t.value)) throw new Error(`unknown parameter "${t.value}" in "${source}"`);
      return (s) => s.value(t.value);
    }
    throw new Error(`unexpected "${t.value}" in "${source}"`);
  };

  const product = (): Node => {
    let left = primary();
    while (peek()?.kind === 'op' && (peek()?.value === '*' || peek()?.value === '/')) {
      const op = take().value;
      const l = left;
      const r = primary();
      left = op === '*' ? (s) => l(s) * r(s) : (s) => (r(s) === 0 ? 0 : l(s) / r(s));
    }
    return left;
  };

  function sum(): Node {
    let left = product();
    while (peek()?.kind === 'op' && (peek()?.value === '+' || peek()?.value === '-')) {
      const op = take().value;
      const l = left;
      const r = product();
      left = op === '+' ? (s) => l(s) + r(s) : (s) => l(s) - r(s);
    }
    return left;
  }

  const root = sum();
  if (pos !== tokens.length) throw new Error(`unexpected "${String(tokens[pos].value)}" in "${source}"`);
  return root;
}

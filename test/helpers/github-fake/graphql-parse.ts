// A small GraphQL reader: operations, variable definitions (skipped), fields with
// aliases, arguments and selection sets. Fragments, directives and block strings are
// not supported and raise an error, which the fake reports as a violation.

export type GqlValue =
  | { kind: 'variable'; name: string }
  | { kind: 'literal'; value: unknown }
  | { kind: 'list'; items: GqlValue[] }
  | { kind: 'object'; fields: Record<string, GqlValue> };

export interface GqlField {
  /** The response key: the alias, or the field name. */
  key: string;
  name: string;
  args: Record<string, GqlValue>;
  selections: GqlField[];
}

export interface GqlOperation {
  type: 'query' | 'mutation' | 'subscription';
  name: string | undefined;
  selections: GqlField[];
}

const TOKEN =
  /\s+|,|#[^\n]*|"""|\.\.\.|[{}()[\]:!$=@]|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|"(?:[^"\\\n]|\\.)*"|[_A-Za-z][_0-9A-Za-z]*/y;

function tokenize(source: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < source.length) {
    const at = TOKEN.lastIndex;
    const match = TOKEN.exec(source);
    if (!match) throw new Error(`unexpected character at ${at}: ${source.slice(at, at + 10)}`);
    const token = match[0];
    if (token === '"""') throw new Error('block strings are not supported');
    if (token === '...') throw new Error('fragments are not supported');
    if (token === '@') throw new Error('directives are not supported');
    if (!/^\s|^,|^#/.test(token)) tokens.push(token);
  }
  return tokens;
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: string[]) {}

  document(): GqlOperation[] {
    const ops: GqlOperation[] = [];
    while (this.peek() !== undefined) ops.push(this.operation());
    return ops;
  }

  private peek(): string | undefined {
    return this.tokens[this.pos];
  }

  private next(): string {
    const token = this.tokens[this.pos++];
    if (token === undefined) throw new Error('unexpected end of document');
    return token;
  }

  private expect(token: string): void {
    const got = this.next();
    if (got !== token) throw new Error(`expected "${token}", got "${got}"`);
  }

  private name(): string {
    const token = this.next();
    if (!/^[_A-Za-z]/.test(token)) throw new Error(`expected a name, got "${token}"`);
    return token;
  }

  private operation(): GqlOperation {
    if (this.peek() === '{')
      return { type: 'query', name: undefined, selections: this.selectionSet() };
    const type = this.name();
    if (type !== 'query' && type !== 'mutation' && type !== 'subscription') {
      throw new Error(`expected an operation, got "${type}"`);
    }
    const name = this.peek() !== '(' && this.peek() !== '{' ? this.name() : undefined;
    if (this.peek() === '(') this.variableDefinitions();
    return { type, name, selections: this.selectionSet() };
  }

  private variableDefinitions(): void {
    this.expect('(');
    while (this.peek() !== ')') {
      this.expect('$');
      this.name();
      this.expect(':');
      this.type();
      if (this.peek() === '=') {
        this.next();
        this.value();
      }
    }
    this.expect(')');
  }

  private type(): void {
    if (this.peek() === '[') {
      this.next();
      this.type();
      this.expect(']');
    } else {
      this.name();
    }
    if (this.peek() === '!') this.next();
  }

  private selectionSet(): GqlField[] {
    this.expect('{');
    const fields: GqlField[] = [];
    while (this.peek() !== '}') fields.push(this.field());
    this.expect('}');
    if (fields.length === 0) throw new Error('empty selection set');
    return fields;
  }

  private field(): GqlField {
    let name = this.name();
    const key = name;
    if (this.peek() === ':') {
      this.next();
      name = this.name();
    }
    const args: Record<string, GqlValue> = {};
    if (this.peek() === '(') {
      this.next();
      while (this.peek() !== ')') {
        const arg = this.name();
        this.expect(':');
        args[arg] = this.value();
      }
      this.expect(')');
    }
    const selections = this.peek() === '{' ? this.selectionSet() : [];
    return { key, name, args, selections };
  }

  private value(): GqlValue {
    const token = this.next();
    if (token === '$') return { kind: 'variable', name: this.name() };
    if (token === '[') {
      const items: GqlValue[] = [];
      while (this.peek() !== ']') items.push(this.value());
      this.next();
      return { kind: 'list', items };
    }
    if (token === '{') {
      const fields: Record<string, GqlValue> = {};
      while (this.peek() !== '}') {
        const name = this.name();
        this.expect(':');
        fields[name] = this.value();
      }
      this.next();
      return { kind: 'object', fields };
    }
    if (token.startsWith('"')) return { kind: 'literal', value: JSON.parse(token) as string };
    if (/^-?\d/.test(token)) return { kind: 'literal', value: Number(token) };
    if (token === 'true' || token === 'false') return { kind: 'literal', value: token === 'true' };
    if (token === 'null') return { kind: 'literal', value: null };
    if (/^[_A-Za-z]/.test(token)) return { kind: 'literal', value: token };
    throw new Error(`unexpected "${token}" in a value`);
  }
}

/** Parses a GraphQL document into its operations; throws on anything it cannot read. */
export function parseGraphql(source: string): GqlOperation[] {
  return new Parser(tokenize(source)).document();
}

/** The JSON value of an argument, with `$variables` substituted. */
export function evaluate(value: GqlValue, variables: Record<string, unknown>): unknown {
  switch (value.kind) {
    case 'variable':
      return variables[value.name];
    case 'literal':
      return value.value;
    case 'list':
      return value.items.map((v) => evaluate(v, variables));
    case 'object':
      return Object.fromEntries(
        Object.entries(value.fields).map(([k, v]) => [k, evaluate(v, variables)]),
      );
  }
}

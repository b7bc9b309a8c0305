// Turns OpenAPI 3.0/3.1 schemas from GitHub's description into JSON Schema 2020-12
// for Ajv, and caches compiled validators.
//
// - All of `components.schemas` is converted and registered once under COMPONENTS_ID;
//   `$ref: '#/components/schemas/X'` points there, and Ajv compiles a component only
//   when an operation's schema first reaches it (and shares it afterwards).
// - `nullable: true` (3.0) becomes a `null` type / enum member / `anyOf` branch.
// - 3.0's boolean `exclusiveMinimum`/`exclusiveMaximum` become 2020's numeric form.
// - Anything that is not a JSON Schema keyword (`example`, `discriminator`, `x-*`, …)
//   is dropped, so Ajv can run in strict mode and still compile every schema.

import Ajv2020Module, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { JsonObject } from './openapi-description.js';

const Ajv2020 = Ajv2020Module.default;
const addFormats = addFormatsModule.default;

const SCHEMA_MAP_KEYWORDS = new Set(['properties', 'patternProperties']);
const SCHEMA_LIST_KEYWORDS = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems']);
const SCHEMA_KEYWORDS = new Set(['items', 'additionalProperties', 'not', 'contains']);
const VALUE_KEYWORDS = new Set([
  'type',
  'enum',
  'const',
  'format',
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'multipleOf',
  'minItems',
  'maxItems',
  'uniqueItems',
  'required',
  'minProperties',
  'maxProperties',
  'title',
  'description',
  'default',
  'deprecated',
  'readOnly',
  'writeOnly',
]);

const COMPONENT_SCHEMA = '#/components/schemas/';
/** `$id` under which all of `components.schemas` is registered with Ajv, once. */
export const COMPONENTS_ID = 'https://github-fake.invalid/components';

/** Converts one OpenAPI schema; component references point into {@link COMPONENTS_ID}. */
export function toJsonSchema(node: unknown): JsonObject {
  return convertSchema(node, refTo) as JsonObject;
}

function refTo(ref: string): JsonObject {
  if (!ref.startsWith(COMPONENT_SCHEMA)) throw new Error(`unsupported $ref ${ref}`);
  return { $ref: `${COMPONENTS_ID}#/$defs/${ref.slice(COMPONENT_SCHEMA.length)}` };
}

function convertSchema(node: unknown, refTo: (ref: string) => JsonObject): unknown {
  if (typeof node === 'boolean') return node;
  if (!node || typeof node !== 'object' || Array.isArray(node)) return {};
  const input = node as JsonObject;
  if (typeof input.$ref === 'string') return refTo(input.$ref);
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(input)) {
    if (SCHEMA_MAP_KEYWORDS.has(key) && value && typeof value === 'object') {
      out[key] = Object.fromEntries(
        Object.entries(value).map(([name, sub]) => [name, convertSchema(sub, refTo)]),
      );
    } else if (SCHEMA_LIST_KEYWORDS.has(key) && Array.isArray(value)) {
      out[key] = value.map((sub) => convertSchema(sub, refTo));
    } else if (SCHEMA_KEYWORDS.has(key)) {
      out[key] = convertSchema(value, refTo);
    } else if (VALUE_KEYWORDS.has(key)) {
      out[key] = value;
    }
  }
  convertExclusive(input, out, 'exclusiveMinimum', 'minimum');
  convertExclusive(input, out, 'exclusiveMaximum', 'maximum');
  return input.nullable === true ? makeNullable(out) : out;
}

function convertExclusive(input: JsonObject, out: JsonObject, key: string, bound: string): void {
  const value = input[key];
  if (typeof value === 'number') out[key] = value;
  if (value === true && typeof input[bound] === 'number') {
    out[key] = input[bound];
    delete out[bound];
  }
}

function makeNullable(schema: JsonObject): JsonObject {
  if (Array.isArray(schema.enum) && !schema.enum.includes(null)) {
    schema.enum = [...(schema.enum as unknown[]), null];
  }
  if (typeof schema.type === 'string') return { ...schema, type: [schema.type, 'null'] };
  if (Array.isArray(schema.type)) {
    return schema.type.includes('null') ? schema : { ...schema, type: [...schema.type, 'null'] };
  }
  return { anyOf: [{ type: 'null' }, schema] };
}

function createAjv(components: Record<string, unknown>) {
  const ajv = new Ajv2020({
    allErrors: true,
    strict: true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
  });
  addFormats(ajv);
  const integer = { type: 'number' as const, validate: (n: number) => Number.isInteger(n) };
  ajv.addFormat('int32', integer);
  ajv.addFormat('int64', integer);
  ajv.addFormat('double', { type: 'number', validate: () => true });
  ajv.addFormat('repo.nwo', /^[^/\s]+\/[^/\s]+$/);
  for (const name of ['binary', 'uri-template', 'timestamp']) ajv.addFormat(name, true);
  const defs = Object.fromEntries(
    Object.entries(components).map(([name, schema]) => [name, toJsonSchema(schema)]),
  );
  // Meta-validating ~2.5 MB of converted schemas costs ~1 s; a test does it once instead.
  ajv.addSchema({ $id: COMPONENTS_ID, $defs: defs }, undefined, undefined, false);
  return ajv;
}

/** One Ajv instance with every component schema; validators compiled lazily and cached. */
export class SchemaRegistry {
  private ajv: ReturnType<typeof createAjv> | undefined;
  private readonly cache = new Map<string, ValidateFunction>();

  constructor(private readonly components: Record<string, unknown>) {}

  /** Compiles (once per `key`) the OpenAPI schema `schema()` returns. */
  validator(key: string, schema: () => unknown): ValidateFunction {
    let validate = this.cache.get(key);
    if (!validate) {
      this.ajv ??= createAjv(this.components);
      validate = this.ajv.compile(toJsonSchema(schema()));
      this.cache.set(key, validate);
    }
    return validate;
  }
}

/** Ajv errors as GitHub-flavoured sentences: `"head" wasn't supplied.` */
export function describeErrors(errors: ErrorObject[] | null | undefined, root: string): string[] {
  return (errors ?? []).map((e) => {
    const where = `${root}${e.instancePath}`;
    if (e.keyword === 'required') {
      return `"${String(e.params.missingProperty)}" wasn't supplied (at ${where || '/'}).`;
    }
    if (e.keyword === 'additionalProperties') {
      return `"${String(e.params.additionalProperty)}" is not a permitted key (at ${where || '/'}).`;
    }
    return `${where || '/'} ${e.message ?? e.keyword}.`;
  });
}

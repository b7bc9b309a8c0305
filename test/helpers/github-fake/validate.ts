// Checks a request (path and query parameters, JSON body) and a response against the
// operation GitHub's OpenAPI description defines for them. Returns the problems found.

import { describeErrors, SchemaRegistry } from './json-schema.js';
import type {
  ApiDescription,
  JsonObject,
  OperationMatch,
  ResponseObject,
} from './openapi-description.js';

const registries = new WeakMap<ApiDescription, SchemaRegistry>();

function registry(api: ApiDescription): SchemaRegistry {
  let found = registries.get(api);
  if (!found) {
    found = new SchemaRegistry(api.doc.components.schemas);
    registries.set(api, found);
  }
  return found;
}

/** Problems with `raw` (a path or query string) as a value of `schema`, or undefined. */
function checkParam(
  api: ApiDescription,
  raw: string,
  node: JsonObject | undefined,
): string | undefined {
  if (!node) return undefined;
  const schema = api.deref<JsonObject>(node);
  const branches = (schema.oneOf ?? schema.anyOf) as JsonObject[] | undefined;
  if (branches) {
    const problems = branches.map((b) => checkParam(api, raw, b));
    return problems.some((p) => p === undefined) ? undefined : problems.join('; or ');
  }
  const type = schema.type;
  if (type === 'integer' && !/^-?\d+$/.test(raw)) return `"${raw}" is not an integer`;
  if (type === 'number' && (raw.trim() === '' || !Number.isFinite(Number(raw)))) {
    return `"${raw}" is not a number`;
  }
  if (type === 'boolean' && raw !== 'true' && raw !== 'false') return `"${raw}" is not a boolean`;
  if (type === 'array') {
    for (const part of raw.split(',')) {
      const problem = checkParam(api, part, schema.items as JsonObject | undefined);
      if (problem) return problem;
    }
    return undefined;
  }
  if (Array.isArray(schema.enum) && !schema.enum.map(String).includes(raw)) {
    return `"${raw}" is not one of ${schema.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return undefined;
}

function checkParameters(api: ApiDescription, match: OperationMatch, query: URLSearchParams) {
  const problems: string[] = [];
  const declared = new Set<string>();
  for (const p of match.parameters) {
    if (p.in !== 'path' && p.in !== 'query') continue;
    if (p.in === 'query') declared.add(p.name);
    const raw = p.in === 'path' ? match.pathParams[p.name] : (query.get(p.name) ?? undefined);
    if (raw === undefined) {
      if (p.required) problems.push(`required ${p.in} parameter "${p.name}" is missing.`);
      continue;
    }
    const problem = checkParam(api, raw, p.schema);
    if (problem) problems.push(`${p.in} parameter "${p.name}": ${problem}.`);
  }
  for (const name of new Set(query.keys())) {
    if (!declared.has(name))
      problems.push(`query parameter "${name}" is not defined for this operation.`);
  }
  return problems;
}

/** Top-level body keys the schema does not declare: GitHub silently ignores them. */
function undeclaredKeys(schema: JsonObject, body: unknown): string[] {
  const props = schema.properties as JsonObject | undefined;
  if (!props || schema.additionalProperties !== undefined) return [];
  if (!body || typeof body !== 'object' || Array.isArray(body)) return [];
  return Object.keys(body)
    .filter((k) => !(k in props))
    .map((k) => `"${k}" is not a parameter of this operation (GitHub would ignore it).`);
}

/** Everything wrong with a request for `match`; an empty list when it conforms. */
export function checkRequest(
  api: ApiDescription,
  match: OperationMatch,
  query: URLSearchParams,
  body: unknown,
): string[] {
  const problems = checkParameters(api, match, query);
  const requestBody = match.operation.requestBody;
  const schema = requestBody?.content?.['application/json']?.schema;
  if (body === undefined) {
    if (requestBody?.required) problems.push('a request body is required.');
    return problems;
  }
  if (!requestBody) {
    problems.push('this operation takes no request body.');
    return problems;
  }
  if (!schema) return problems;
  const key = `request ${match.method} ${match.template}`;
  const validate = registry(api).validator(key, () => schema);
  if (!validate(body)) problems.push(...describeErrors(validate.errors, 'body'));
  problems.push(...undeclaredKeys(api.deref<JsonObject>(schema), body));
  return problems;
}

/** Whether a response the fake produced matches the description's schema for its status. */
export function checkResponse(
  api: ApiDescription,
  match: OperationMatch,
  status: number,
  body: unknown,
): string[] {
  const responses = match.operation.responses ?? {};
  const declared = responses[String(status)] ?? responses.default;
  if (!declared) return status >= 400 ? [] : [`status ${status} is not a documented response.`];
  const response = api.deref<ResponseObject>(declared);
  const schema = response.content?.['application/json']?.schema;
  if (!schema)
    return body === undefined ? [] : [`status ${status} has no body in the description.`];
  if (body === undefined) return [`status ${status} needs a body.`];
  const key = `response ${status} ${match.method} ${match.template}`;
  const validate = registry(api).validator(key, () => schema);
  return validate(body) ? [] : describeErrors(validate.errors, 'response');
}

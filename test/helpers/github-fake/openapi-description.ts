// Loads GitHub's published OpenAPI description (api.github.com, from @octokit/openapi)
// once per process and finds the operation a request addresses.
//
// The package's index.js requires every bundled description (~400 MB); we resolve
// and read only the api.github.com JSON (~13 MB, ~0.3 s to read and parse).

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

export type JsonObject = { [key: string]: unknown };

export interface ParameterObject {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: JsonObject;
  'x-multi-segment'?: boolean;
}

interface MediaObject {
  schema?: JsonObject;
}

interface RequestBodyObject {
  required?: boolean;
  content?: Record<string, MediaObject>;
}

export interface ResponseObject {
  content?: Record<string, MediaObject>;
}

export interface OperationObject {
  operationId?: string;
  parameters?: (ParameterObject | { $ref: string })[];
  requestBody?: RequestBodyObject;
  responses?: Record<string, ResponseObject | { $ref: string }>;
}

export interface Description {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
  components: {
    schemas: Record<string, JsonObject>;
    parameters: Record<string, ParameterObject>;
    responses: Record<string, ResponseObject>;
  };
}

export interface OperationMatch {
  /** The path template from the description, e.g. `/repos/{owner}/{repo}/pulls`. */
  template: string;
  method: string;
  operation: OperationObject;
  /** Path-item and operation parameters, with `$ref`s resolved. */
  parameters: ParameterObject[];
  /** Decoded values of the template's path parameters. */
  pathParams: Record<string, string>;
}

interface IndexedPath {
  template: string;
  regex: RegExp;
  names: string[];
  /** One entry per segment: 0 literal, 1 partly templated, 2 a whole parameter. */
  rank: number[];
}

const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options'];

export class ApiDescription {
  private readonly index: IndexedPath[];

  constructor(readonly doc: Description) {
    this.index = Object.keys(doc.paths).map((template) => this.indexPath(template));
  }

  /** Resolves `#/components/<kind>/<name>` references (one level, as GitHub uses them). */
  deref<T>(node: T | { $ref: string }): T {
    if (node && typeof node === 'object' && '$ref' in node && typeof node.$ref === 'string') {
      const [, , kind, name] = node.$ref.split('/');
      const table = (this.doc.components as Record<string, Record<string, unknown>>)[kind ?? ''];
      const target = table?.[decodePointer(name ?? '')];
      if (target === undefined) throw new Error(`unresolvable $ref ${node.$ref}`);
      return target as T;
    }
    return node as T;
  }

  /** Finds the operation for `method` and a request path (no query string). */
  find(method: string, path: string): OperationMatch | undefined {
    const lower = method.toLowerCase();
    let best: { entry: IndexedPath; values: string[] } | undefined;
    for (const entry of this.index) {
      const item = this.doc.paths[entry.template];
      if (!item || !(lower in item)) continue;
      const m = entry.regex.exec(path);
      if (!m) continue;
      if (!best || compareRank(entry.rank, best.entry.rank) < 0) {
        best = { entry, values: m.slice(1) };
      }
    }
    if (!best) return undefined;
    const { entry, values } = best;
    const item = this.doc.paths[entry.template] as Record<string, unknown>;
    const operation = item[lower] as OperationObject;
    const pathParams: Record<string, string> = {};
    entry.names.forEach((name, i) => {
      pathParams[name] = safeDecode(values[i] ?? '');
    });
    return {
      template: entry.template,
      method: lower,
      operation,
      pathParams,
      parameters: this.parametersOf(item, operation),
    };
  }

  private parametersOf(
    item: Record<string, unknown>,
    operation: OperationObject,
  ): ParameterObject[] {
    const shared = (item.parameters ?? []) as OperationObject['parameters'] & object;
    const own = operation.parameters ?? [];
    const byKey = new Map<string, ParameterObject>();
    for (const p of [...shared, ...own].map((x) => this.deref<ParameterObject>(x))) {
      byKey.set(`${p.in}:${p.name}`, p);
    }
    return [...byKey.values()];
  }

  private indexPath(template: string): IndexedPath {
    const item = this.doc.paths[template] as Record<string, unknown>;
    const multi = new Set<string>();
    for (const method of METHODS) {
      const op = item[method] as OperationObject | undefined;
      if (!op) continue;
      for (const p of this.parametersOf(item, op)) {
        if (p.in === 'path' && p['x-multi-segment']) multi.add(p.name);
      }
    }
    const names: string[] = [];
    const rank: number[] = [];
    const parts = template.split('/').map((segment) => {
      const whole = /^\{([^}]+)\}$/.exec(segment);
      rank.push(whole ? 2 : segment.includes('{') ? 1 : 0);
      return segment.replace(/\{([^}]+)\}|[^{}]+/g, (text, name?: string) => {
        if (name === undefined) return escapeRegex(text);
        names.push(name);
        return multi.has(name) ? '(.+?)' : '([^/]+?)';
      });
    });
    return { template, regex: new RegExp(`^${parts.join('/')}$`), names, rank };
  }
}

function compareRank(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function decodePointer(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Absolute path of the api.github.com description inside @octokit/openapi. */
function descriptionPath(): string {
  const require = createRequire(import.meta.url);
  return require.resolve('@octokit/openapi/generated/api.github.com.json');
}

let loading: Promise<ApiDescription> | undefined;

/** The description, read and indexed on first use and shared by every fake in the process. */
export function loadDescription(): Promise<ApiDescription> {
  loading ??= readFile(descriptionPath(), 'utf8')
    .then((text) => new ApiDescription(JSON.parse(text) as Description))
    .catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
  return loading;
}

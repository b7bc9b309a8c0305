// The pieces under the fake: loading GitHub's description, finding operations,
// converting OpenAPI schemas for Ajv, and checking responses.

import Ajv2020Module from 'ajv/dist/2020.js';
import { describe, expect, test } from 'vitest';
import { allRoutes, loadDescription } from '../helpers/github-fake/index.js';
import { toJsonSchema, COMPONENTS_ID } from '../helpers/github-fake/json-schema.js';
import { checkResponse } from '../helpers/github-fake/validate.js';

describe('the description', () => {
  test('is api.github.com, loaded once per process', async () => {
    const [a, b] = await Promise.all([loadDescription(), loadDescription()]);
    expect(a).toBe(b);
    expect(a).toBe(await loadDescription());
    expect(a.doc.openapi).toMatch(/^3\./);
    expect(Object.keys(a.doc.paths).length).toBeGreaterThan(500);
  });

  test('finds the most specific template and decodes path parameters', async () => {
    const api = await loadDescription();
    expect(api.find('GET', '/repos/o/r/issues/comments')?.operation.operationId).toBe(
      'issues/list-comments-for-repo',
    );
    expect(api.find('GET', '/repos/o/r/issues/12')?.operation.operationId).toBe('issues/get');
    const dispatch = api.find('POST', '/repos/o/r/actions/workflows/sign%20it.yml/dispatches');
    expect(dispatch?.pathParams).toEqual({ owner: 'o', repo: 'r', workflow_id: 'sign it.yml' });
    expect(dispatch?.parameters.map((p) => p.name)).toEqual(['owner', 'repo', 'workflow_id']);
    expect(api.find('GET', '/repos/o/r/contents/a/b.json')?.pathParams.path).toBe('a/b.json');
    expect(api.find('DELETE', '/repos/o/r/pulls')).toBeUndefined();
    expect(api.find('GET', '/nowhere')).toBeUndefined();
  });

  test('every route the fake serves is an operation in the description', async () => {
    const api = await loadDescription();
    const keys = Object.keys(allRoutes({ workflows: [] }));
    expect(keys.length).toBeGreaterThanOrEqual(15);
    for (const key of keys) {
      const [method, template] = key.split(' ') as [string, string];
      expect(api.doc.paths[template]?.[method.toLowerCase()], key).toBeDefined();
    }
  });
});

describe('OpenAPI to JSON Schema', () => {
  test('nullable, exclusive bounds, references and non-schema keywords', () => {
    const out = toJsonSchema({
      type: 'object',
      example: { a: 1 },
      'x-github': { x: 1 },
      discriminator: { propertyName: 'kind' },
      properties: {
        example: { type: 'string', nullable: true },
        kind: { type: 'string', enum: ['a', 'b'], nullable: true },
        user: { allOf: [{ $ref: '#/components/schemas/simple-user' }], nullable: true },
        n: { type: 'integer', minimum: 0, exclusiveMinimum: true },
      },
    });
    expect(out).toEqual({
      type: 'object',
      properties: {
        example: { type: ['string', 'null'] },
        kind: { type: ['string', 'null'], enum: ['a', 'b', null] },
        user: {
          anyOf: [{ type: 'null' }, { allOf: [{ $ref: `${COMPONENTS_ID}#/$defs/simple-user` }] }],
        },
        n: { type: 'integer', exclusiveMinimum: 0 },
      },
    });
  });

  test('every component schema converts to valid JSON Schema 2020-12', async () => {
    const api = await loadDescription();
    const ajv = new Ajv2020Module.default({ strict: true, validateFormats: false });
    const bad = Object.entries(api.doc.components.schemas).filter(
      ([, schema]) => !ajv.validateSchema(toJsonSchema(schema)),
    );
    expect(bad.map(([name]) => name)).toEqual([]);
  });
});

describe('response checks', () => {
  test('catch a response the description does not allow', async () => {
    const api = await loadDescription();
    const match = api.find('GET', '/repos/o/r/issues/comments/1');
    if (!match) throw new Error('no operation');
    const good = {
      id: 1,
      node_id: 'IC_1',
      url: 'https://api.github.com/repos/o/r/issues/comments/1',
      html_url: 'https://github.com/o/r/issues/1#issuecomment-1',
      issue_url: 'https://api.github.com/repos/o/r/issues/1',
      user: null,
      created_at: '2024-05-01T12:00:00Z',
      updated_at: '2024-05-01T12:00:00Z',
    };
    expect(checkResponse(api, match, 200, good)).toEqual([]);
    const broken: Record<string, unknown> = { ...good, id: 'one' };
    delete broken.html_url;
    expect(checkResponse(api, match, 200, broken)).toEqual([
      expect.stringContaining('"html_url" wasn\'t supplied'),
      'response/id must be integer.',
    ]);
    expect(checkResponse(api, match, 201, good)).toEqual([
      'status 201 is not a documented response.',
    ]);
  });
});

// POST /graphql, for the two things REST cannot do: markPullRequestReadyForReview and
// convertPullRequestToDraft. The selection set is checked against a slice of GitHub's
// schema (payload and PullRequest fields) and answered in GitHub's response shape.

import { evaluate, parseGraphql, type GqlField } from './graphql-parse.js';
import { repoHtmlUrl, type RenderContext } from './render-repo.js';
import type { PullRequestRecord } from './state.js';

interface GqlError {
  message: string;
  path?: (string | number)[];
  type?: string;
  extensions?: Record<string, unknown>;
}

export interface GraphqlOutcome {
  body: { data?: Record<string, unknown> | null; errors?: GqlError[] };
  /** Mistakes of the client (or gaps in the fake) to record as violations. */
  violations: string[];
}

type Scalar = (pull: PullRequestRecord, ctx: RenderContext) => unknown;

const PULL_REQUEST_FIELDS: Record<string, Scalar> = {
  __typename: () => 'PullRequest',
  id: (p) => p.nodeId,
  number: (p) => p.number,
  isDraft: (p) => p.draft,
  state: (p) => p.state.toUpperCase(),
  closed: (p) => p.state !== 'open',
  merged: (p) => p.state === 'merged',
  title: (p) => p.title,
  body: (p) => p.body ?? '',
  headRefName: (p) => p.head,
  baseRefName: (p) => p.base,
  url: (p, ctx) => `${repoHtmlUrl(ctx)}/pull/${p.number}`,
  permalink: (p, ctx) => `${repoHtmlUrl(ctx)}/pull/${p.number}`,
};

const MUTATIONS: Record<string, { draft: boolean; payload: string }> = {
  markPullRequestReadyForReview: { draft: false, payload: 'MarkPullRequestReadyForReviewPayload' },
  convertPullRequestToDraft: { draft: true, payload: 'ConvertPullRequestToDraftPayload' },
};

function undefinedField(type: string, field: GqlField, path: string[]): GqlError {
  return {
    message: `Field '${field.name}' doesn't exist on type '${type}'`,
    path: [...path, field.key],
    extensions: { code: 'undefinedField', typeName: type, fieldName: field.name },
  };
}

/** Static checks of a mutation field's selections, like GitHub's query validation. */
function checkSelections(field: GqlField, payload: string): GqlError[] {
  const path = ['mutation', field.key];
  if (field.selections.length === 0) {
    return [
      { message: `Field must have selections (field '${field.name}' returns ${payload})`, path },
    ];
  }
  const errors: GqlError[] = [];
  for (const sel of field.selections) {
    if (sel.name === 'pullRequest') {
      if (sel.selections.length === 0) {
        errors.push({
          message: "Field must have selections (field 'pullRequest' returns PullRequest)",
          path: [...path, sel.key],
        });
      }
      for (const leaf of sel.selections) {
        if (!(leaf.name in PULL_REQUEST_FIELDS))
          errors.push(undefinedField('PullRequest', leaf, [...path, sel.key]));
      }
    } else if (sel.name !== 'clientMutationId' && sel.name !== '__typename') {
      errors.push(undefinedField(payload, sel, path));
    }
  }
  return errors;
}

/** Answers a GraphQL request body; mutates the state for the two supported mutations. */
export function handleGraphql(ctx: RenderContext, request: unknown): GraphqlOutcome {
  const fail = (message: string): GraphqlOutcome => ({
    body: { errors: [{ message }] },
    violations: [message],
  });
  const req = request as { query?: unknown; variables?: unknown; operationName?: unknown } | null;
  if (!req || typeof req !== 'object' || typeof req.query !== 'string') {
    return fail('A query attribute must be specified and must be a string.');
  }
  const variables = (req.variables ?? {}) as Record<string, unknown>;
  if (typeof variables !== 'object' || Array.isArray(variables))
    return fail('variables must be an object.');
  let operations;
  try {
    operations = parseGraphql(req.query);
  } catch (error) {
    return fail(`Parse error: ${(error as Error).message}`);
  }
  const op =
    typeof req.operationName === 'string'
      ? operations.find((o) => o.name === req.operationName)
      : operations.length === 1
        ? operations[0]
        : undefined;
  if (!op) return fail('An operation name is required, or does not match an operation.');
  if (op.type !== 'mutation') {
    return fail(
      `The fake serves only the mutations ${Object.keys(MUTATIONS).join(', ')}, not a ${op.type}.`,
    );
  }
  const errors: GqlError[] = [];
  for (const field of op.selections) {
    const mutation = MUTATIONS[field.name];
    if (!mutation) errors.push(undefinedField('Mutation', field, ['mutation']));
    else errors.push(...checkSelections(field, mutation.payload));
  }
  if (errors.length > 0) return { body: { errors }, violations: errors.map((e) => e.message) };

  const data: Record<string, unknown> = {};
  const runtimeErrors: GqlError[] = [];
  const violations: string[] = [];
  for (const field of op.selections) {
    const mutation = MUTATIONS[field.name] as { draft: boolean; payload: string };
    const input = field.args.input ? evaluate(field.args.input, variables) : undefined;
    const { pullRequestId, clientMutationId } = (input ?? {}) as Record<string, unknown>;
    if (typeof pullRequestId !== 'string') {
      const message = `Argument 'input' on Field '${field.name}' needs a string pullRequestId.`;
      runtimeErrors.push({ message, path: [field.key] });
      violations.push(message);
      data[field.key] = null;
      continue;
    }
    const pull = ctx.state.pullRequests.find((p) => p.nodeId === pullRequestId);
    if (!pull || pull.state === 'merged') {
      data[field.key] = null;
      runtimeErrors.push({
        type: pull ? 'UNPROCESSABLE' : 'NOT_FOUND',
        path: [field.key],
        message: pull
          ? 'Pull request is merged.'
          : `Could not resolve to a node with the global id of '${pullRequestId}'.`,
      });
      continue;
    }
    if (pull.draft !== mutation.draft) {
      pull.draft = mutation.draft;
      pull.updatedAt = ctx.state.timestamp();
    }
    const payload: Record<string, unknown> = {};
    for (const sel of field.selections) {
      if (sel.name === '__typename') payload[sel.key] = mutation.payload;
      else if (sel.name === 'clientMutationId') payload[sel.key] = clientMutationId ?? null;
      else {
        payload[sel.key] = Object.fromEntries(
          sel.selections.map((leaf) => [leaf.key, PULL_REQUEST_FIELDS[leaf.name]?.(pull, ctx)]),
        );
      }
    }
    data[field.key] = payload;
  }
  return {
    body: runtimeErrors.length > 0 ? { data, errors: runtimeErrors } : { data },
    violations,
  };
}

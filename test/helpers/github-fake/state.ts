// In-memory state of the one repository the fake serves: what a user would see on
// GitHub. Pull requests are issues too (one number sequence, comments and labels via
// the issues API), as on GitHub.

import { createHash } from 'node:crypto';
import type {
  Clock,
  CommentRecord,
  IssueRecord,
  ItemBase,
  ItemRecord,
  LabelRecord,
  PullRequestRecord,
  RepositoryDispatchRecord,
  RepositoryRecord,
  WorkflowDispatchRecord,
} from './records.js';

export type * from './records.js';

export interface StateOptions {
  owner: string;
  repo: string;
  defaultBranch: string;
  now: Clock;
  /** Head commit of a branch, or undefined when the branch does not exist. */
  branchSha: (ref: string) => string | undefined;
}

export class FakeState {
  readonly repository: RepositoryRecord;
  readonly items = new Map<number, ItemRecord>();
  readonly comments: CommentRecord[] = [];
  /** Keyed by lower-cased name: GitHub matches label names case-insensitively. */
  readonly labels = new Map<string, LabelRecord>();
  readonly workflowDispatches: WorkflowDispatchRecord[] = [];
  readonly repositoryDispatches: RepositoryDispatchRecord[] = [];
  private lastId = 1000;

  constructor(private readonly options: StateOptions) {
    this.repository = {
      owner: options.owner,
      name: options.repo,
      id: this.nextId(),
      nodeId: nodeId('R_kgDO', this.lastId),
      defaultBranch: options.defaultBranch,
      createdAt: this.timestamp(),
    };
  }

  get pullRequests(): PullRequestRecord[] {
    return [...this.items.values()].filter((i): i is PullRequestRecord => i.kind === 'pull');
  }

  get issues(): IssueRecord[] {
    return [...this.items.values()].filter((i): i is IssueRecord => i.kind === 'issue');
  }

  /** The clock's current time as GitHub prints it (`2024-05-01T12:00:00Z`). */
  timestamp(): string {
    return this.options
      .now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
  }

  branchSha(ref: string): string | undefined {
    return this.options.branchSha(ref);
  }

  pull(number: number): PullRequestRecord | undefined {
    const item = this.items.get(number);
    return item?.kind === 'pull' ? item : undefined;
  }

  commentsOn(issueNumber: number): CommentRecord[] {
    return this.comments.filter((c) => c.issueNumber === issueNumber);
  }

  label(name: string): LabelRecord {
    const key = name.toLowerCase();
    let label = this.labels.get(key);
    if (!label) {
      const id = this.nextId();
      label = { id, nodeId: nodeId('LA_kwDO', id), name, color: 'ededed', description: null };
      this.labels.set(key, label);
    }
    return label;
  }

  /** Replaces an item's labels, creating labels that do not exist yet (as GitHub does). */
  setLabels(item: ItemRecord, names: string[]): void {
    const unique = new Map(names.map((n) => [n.toLowerCase(), this.label(n).name]));
    item.labels = [...unique.values()];
  }

  createIssue(fields: { title: string; body: string | null; user: string; labels: string[] }) {
    const issue: IssueRecord = {
      ...this.itemBase(fields),
      kind: 'issue',
      state: 'open',
      stateReason: null,
    };
    this.setLabels(issue, fields.labels);
    this.items.set(issue.number, issue);
    return issue;
  }

  createPull(fields: {
    title: string;
    body: string | null;
    user: string;
    head: string;
    headSha: string;
    base: string;
    draft: boolean;
  }): PullRequestRecord {
    const base = this.itemBase(fields);
    const id = this.nextId();
    const pull: PullRequestRecord = {
      ...base,
      kind: 'pull',
      id,
      nodeId: nodeId('PR_kwDO', id),
      head: fields.head,
      headSha: fields.headSha,
      base: fields.base,
      draft: fields.draft,
      state: 'open',
      mergedAt: null,
      mergedBy: null,
      mergeCommitSha: null,
    };
    this.items.set(pull.number, pull);
    return pull;
  }

  /** Opens or closes an issue or pull request; `by` is who did it. */
  setOpen(item: ItemRecord, open: boolean, by: string, reason?: IssueRecord['stateReason']) {
    const now = this.timestamp();
    item.updatedAt = now;
    item.closedAt = open ? null : now;
    item.closedBy = open ? null : by;
    if (item.kind === 'pull') {
      item.state = open ? 'open' : 'closed';
    } else {
      item.state = open ? 'open' : 'closed';
      item.stateReason = reason ?? (open ? 'reopened' : 'completed');
    }
  }

  merge(pull: PullRequestRecord, by: string): void {
    const now = this.timestamp();
    pull.state = 'merged';
    pull.draft = false;
    pull.mergedAt = now;
    pull.mergedBy = by;
    pull.closedAt = now;
    pull.closedBy = by;
    pull.updatedAt = now;
    pull.mergeCommitSha = sha1(`merge:${pull.number}:${pull.headSha}`);
  }

  addComment(issueNumber: number, body: string, user: string): CommentRecord {
    const id = this.nextId();
    const now = this.timestamp();
    const comment = { id, nodeId: nodeId('IC_kwDO', id), issueNumber, body, user };
    const record: CommentRecord = { ...comment, createdAt: now, updatedAt: now };
    this.comments.push(record);
    const item = this.items.get(issueNumber);
    if (item) item.updatedAt = now;
    return record;
  }

  private itemBase(fields: { title: string; body: string | null; user: string }): ItemBase {
    const issueId = this.nextId();
    const now = this.timestamp();
    return {
      number: this.items.size + 1,
      issueId,
      issueNodeId: nodeId('I_kwDO', issueId),
      title: fields.title,
      body: fields.body,
      labels: [],
      user: fields.user,
      createdAt: now,
      updatedAt: now,
      closedAt: null,
      closedBy: null,
    };
  }

  private nextId(): number {
    this.lastId += 1;
    return this.lastId;
  }
}

export function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

function nodeId(prefix: string, id: number): string {
  return `${prefix}${Buffer.from(`fake:${id}`).toString('base64url')}`;
}

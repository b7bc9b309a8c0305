// The records the fake's state holds: what a user would see on GitHub.

export type Clock = () => Date;

export interface RepositoryRecord {
  owner: string;
  name: string;
  id: number;
  nodeId: string;
  defaultBranch: string;
  createdAt: string;
}

export interface LabelRecord {
  id: number;
  nodeId: string;
  name: string;
  color: string;
  description: string | null;
}

export interface ItemBase {
  number: number;
  /** The issue's id and node_id (a pull request has its own as well). */
  issueId: number;
  issueNodeId: string;
  title: string;
  body: string | null;
  /** Label names, in the order they were added. */
  labels: string[];
  user: string;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  closedBy: string | null;
}

export interface IssueRecord extends ItemBase {
  kind: 'issue';
  state: 'open' | 'closed';
  stateReason: 'completed' | 'not_planned' | 'reopened' | 'duplicate' | null;
}

export interface PullRequestRecord extends ItemBase {
  kind: 'pull';
  id: number;
  /** The PR's GraphQL id (`PR_…`), used by the draft/ready mutations. */
  nodeId: string;
  head: string;
  headSha: string;
  base: string;
  draft: boolean;
  state: 'open' | 'closed' | 'merged';
  mergedAt: string | null;
  mergedBy: string | null;
  mergeCommitSha: string | null;
}

export type ItemRecord = IssueRecord | PullRequestRecord;

export interface CommentRecord {
  id: number;
  nodeId: string;
  issueNumber: number;
  body: string;
  user: string;
  createdAt: string;
  updatedAt: string;
}

export interface WorkflowDispatchRecord {
  workflowId: string;
  ref: string;
  inputs: Record<string, unknown>;
  at: string;
}

export interface RepositoryDispatchRecord {
  eventType: string;
  clientPayload: Record<string, unknown>;
  at: string;
}

// What people do on github.com between action runs: merge or close a pull request,
// comment, close an issue. Tests call these directly; nothing goes through HTTP.

import type {
  CommentRecord,
  FakeState,
  IssueRecord,
  ItemRecord,
  PullRequestRecord,
} from './state.js';

export interface UserActions {
  /** Merges an open pull request (by the repository owner unless `by` is given). */
  merge(prNumber: number, by?: string): PullRequestRecord;
  /** Closes an open pull request without merging. */
  closePr(prNumber: number, by?: string): PullRequestRecord;
  /** Reopens a closed (not merged) pull request. */
  reopenPr(prNumber: number, by?: string): PullRequestRecord;
  /** A person (`login`) comments on an issue or pull request. */
  comment(issueNumber: number, body: string, login: string): CommentRecord;
  /** Closes an issue (reason `completed` unless given). */
  closeIssue(issueNumber: number, by?: string, reason?: IssueRecord['stateReason']): IssueRecord;
}

export function userActions(state: FakeState): UserActions {
  const owner = () => state.repository.owner;
  const item = (number: number): ItemRecord => {
    const found = state.items.get(number);
    if (!found) throw new Error(`github-fake: no issue or pull request #${number}`);
    return found;
  };
  const pull = (number: number, expected: PullRequestRecord['state']): PullRequestRecord => {
    const found = item(number);
    if (found.kind !== 'pull') throw new Error(`github-fake: #${number} is an issue`);
    if (found.state !== expected) {
      throw new Error(`github-fake: pull request #${number} is ${found.state}, not ${expected}`);
    }
    return found;
  };
  return {
    merge(prNumber, by = owner()) {
      const pr = pull(prNumber, 'open');
      state.merge(pr, by);
      return pr;
    },
    closePr(prNumber, by = owner()) {
      const pr = pull(prNumber, 'open');
      state.setOpen(pr, false, by);
      return pr;
    },
    reopenPr(prNumber, by = owner()) {
      const pr = pull(prNumber, 'closed');
      state.setOpen(pr, true, by);
      return pr;
    },
    comment(issueNumber, body, login) {
      return state.addComment(item(issueNumber).number, body, login);
    },
    closeIssue(issueNumber, by = owner(), reason = 'completed') {
      const issue = item(issueNumber);
      if (issue.kind !== 'issue') throw new Error(`github-fake: #${issueNumber} is a pull request`);
      state.setOpen(issue, false, by, reason);
      return issue;
    },
  };
}

import * as core from '@actions/core';
import { context } from '@actions/github';
import { repoClient, runAction } from '../../common/github.js';

async function main(): Promise<void> {
  const gh = repoClient(core.getInput('token', { required: true }));
  const success = core.getInput('success', { required: true }) === 'true';
  const label = core.getInput('label') || 'tufci-failure';
  const title = core.getInput('title') || `Scheduled workflow "${context.workflow}" is failing`;
  const runUrl = `${context.serverUrl}/${gh.owner}/${gh.repo}/actions/runs/${context.runId}`;
  const open = await gh.octokit.rest.issues.listForRepo({
    owner: gh.owner,
    repo: gh.repo,
    state: 'open',
    labels: label,
  });
  const issue = open.data.find((i) => i.title === title && !i.pull_request);
  if (success) {
    if (!issue) return core.info('Workflow succeeded; no open failure issue.');
    await gh.octokit.rest.issues.createComment({
      owner: gh.owner,
      repo: gh.repo,
      issue_number: issue.number,
      body: `Recovered: ${runUrl} succeeded.`,
    });
    await gh.octokit.rest.issues.update({
      owner: gh.owner,
      repo: gh.repo,
      issue_number: issue.number,
      state: 'closed',
    });
    core.setOutput('issue-number', String(issue.number));
    return core.info(`Workflow recovered; closed #${issue.number}.`);
  }
  if (issue) {
    await gh.octokit.rest.issues.createComment({
      owner: gh.owner,
      repo: gh.repo,
      issue_number: issue.number,
      body: `Failed again: ${runUrl}`,
    });
    core.setOutput('issue-number', String(issue.number));
    return core.info(`Commented on #${issue.number}.`);
  }
  const created = await gh.octokit.rest.issues.create({
    owner: gh.owner,
    repo: gh.repo,
    title,
    labels: [label],
    body: `The scheduled workflow failed: ${runUrl}\n\nThis issue is closed automatically when it succeeds again.`,
  });
  core.setOutput('issue-number', String(created.data.number));
  core.info(`Opened #${created.data.number}.`);
}

void runAction(main);

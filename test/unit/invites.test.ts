import { describe, expect, it } from 'vitest';
import { inviteCount, normalizeUser, parseInvites } from '../../lib/event/invites.js';
import { checkThreshold } from '../../lib/tuf/roles.js';

describe('parseInvites (tuf-on-ci .signing-event-state)', () => {
  it('reads invites; no file means none', () => {
    expect(parseInvites(undefined)).toEqual({});
    expect(parseInvites('{"invites": {"@a": ["root", "targets"], "@b": []}}')).toEqual({
      '@a': ['root', 'targets'],
    });
    expect(parseInvites('{}')).toEqual({});
  });

  it('names the file and field for bad content', () => {
    expect(() => parseInvites('{')).toThrow(/^metadata\/\.signing-event-state: malformed JSON/);
    expect(() => parseInvites('{"invites": []}')).toThrow(
      'metadata/.signing-event-state: field "invites" must map @user names to lists of roles',
    );
    expect(() => parseInvites('{"invites": {"@a": "root"}}')).toThrow(
      'field "invites.@a" must be a list of role names',
    );
  });

  it('counts invites per role', () => {
    const inv = { '@a': ['root', 'targets'], '@b': ['targets'] };
    expect(inviteCount(inv, 'targets')).toBe(2);
    expect(inviteCount(inv, 'app')).toBe(0);
  });
});

describe('normalizeUser', () => {
  it('adds the @ and checks the GitHub user name grammar', () => {
    expect(normalizeUser('alice', '--user')).toBe('@alice');
    expect(normalizeUser('@a-b-1', '--user')).toBe('@a-b-1');
    for (const bad of ['@', '@-a', '@a_b', '@a b', `@${'a'.repeat(40)}`])
      expect(() => normalizeUser(bad, '--signers'), bad).toThrow(
        `--signers: "${bad}" is not a GitHub user name (@name)`,
      );
  });
});

describe('checkThreshold', () => {
  it('accepts thresholds keys and invites can reach', () => {
    expect(() => checkThreshold('w', { keyids: ['a', 'b'], threshold: 2 })).not.toThrow();
    expect(() => checkThreshold('w', { keyids: ['a'], threshold: 2 }, 1)).not.toThrow();
  });

  it('refuses a threshold above the keys, or below one', () => {
    expect(() =>
      checkThreshold('--threshold for role app', { keyids: ['a'], threshold: 2 }),
    ).toThrow('--threshold for role app: threshold 2 is above the number of keys (1)');
    expect(() => checkThreshold('w', { keyids: ['a'], threshold: 3 }, 1)).toThrow(
      'w: threshold 3 is above the number of keys (1 plus 1 invited)',
    );
    for (const t of [0, -1, 1.5])
      expect(() => checkThreshold('w', { keyids: ['a'], threshold: t })).toThrow(
        'w: threshold must be a whole number of at least 1',
      );
  });
});

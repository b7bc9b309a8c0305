/**
 * No flag is ever silently ignored: a flag that has no effect in its combination with
 * the others is a usage error (exit 2) that names the flag and says why. The rules that
 * need only the command line are here, checked before any command runs; those that need
 * the repository or the settings (`--key @user` for someone who is not a signer, say)
 * are in the commands.
 */
import type { Command } from 'commander';
import { UsageError } from '../lib/errors.js';

/** What a rule sees of one command line. */
interface FlagView {
  /** Whether the flag (by its attribute name) was typed on the command line. */
  given(attr: string): boolean;
  /** The flag's value (typed or default). */
  value(attr: string): unknown;
  /** The positional arguments. */
  args: readonly unknown[];
}

interface Rule {
  /** The command's path, e.g. `online-sign` or `key rotate`. */
  command: string;
  flag: string;
  attr: string;
  when: (v: FlagView) => boolean;
  why: string;
}

const PUSHING = ['init', 'delegate', 'sign', 'add-artifact', 'key rotate'];
const REGISTRY: [string, string][] = [
  ['--registry-username', 'registryUsername'],
  ['--registry-password-file', 'registryPasswordFile'],
  ['--plain-http', 'plainHttp'],
];
const isOci = (s: unknown): boolean => typeof s === 'string' && s.startsWith('oci://');

const SIGNER_FLAGS: [string, string][] = [
  ['--keyfile', 'keyfile'],
  ['--method', 'method'],
];

const RULES: readonly Rule[] = [
  ...PUSHING.map((command) => ({
    command,
    flag: '--push-remote',
    attr: 'pushRemote',
    when: (v: FlagView) => v.value('push') === false,
    why: 'it names where to push, and --no-push pushes nothing',
  })),
  ...SIGNER_FLAGS.flatMap(([flag, attr]) => [
    {
      command: 'delegate',
      flag,
      attr,
      when: (v: FlagView) => v.value('sign') === false,
      why: 'it chooses the key to sign with, and --no-sign signs nothing',
    },
    {
      command: 'key rotate',
      flag,
      attr,
      when: (v: FlagView) => v.value('sign') === false,
      why: 'it names your current key, which only signs, and --no-sign signs nothing',
    },
    {
      command: 'add-artifact',
      flag,
      attr,
      when: (v: FlagView) => v.value('sign') !== true,
      why: 'it chooses the key to sign with, and add-artifact signs only with --sign',
    },
  ]),
  {
    command: 'online-sign',
    flag: '--push',
    attr: 'push',
    when: (v) => v.value('push') === true && v.value('commit') === false,
    why: 'with --no-commit there is no commit to push',
  },
  {
    command: 'online-sign',
    flag: '--remote',
    attr: 'remote',
    when: (v) => v.value('push') !== true,
    why: 'online-sign only pushes to it: add --push',
  },
  {
    command: 'event update',
    flag: '--push',
    attr: 'push',
    when: (v) => v.value('push') === true && v.value('commit') === false,
    why: 'with --no-commit there is no commit to push',
  },
  {
    command: 'bump-expiring',
    flag: '--remote',
    attr: 'remote',
    when: (v) => v.value('push') === false,
    why: 'the branches are pushed to it, and --no-push pushes none',
  },
  {
    command: 'status',
    flag: '--markdown',
    attr: 'markdown',
    when: (v) => v.value('json') === true,
    why: '--json prints JSON: choose one of --json and --markdown',
  },
  ...REGISTRY.map(([flag, attr]) => ({
    command: 'publish',
    flag,
    attr,
    when: (v: FlagView) => !isOci(v.value('to')),
    why: 'only an OCI registry destination (--to oci://HOST/REPO) uses it',
  })),
  ...REGISTRY.map(([flag, attr]) => ({
    command: 'verify',
    flag,
    attr,
    when: (v: FlagView) => v.args[0] === undefined && !isOci(v.value('from')),
    why: 'only a registry (--from oci://HOST/REPO, or an artifact in one) uses it',
  })),
  ...REGISTRY.map(([flag, attr]) => ({
    command: 'mirror',
    flag,
    attr,
    when: (v: FlagView) => !isOci(v.args[0]) && !isOci(v.args[1]),
    why: 'neither SOURCE nor DESTINATION is a registry (oci://HOST/REPO)',
  })),
  {
    command: 'verify',
    flag: '--out',
    attr: 'out',
    when: (v) => v.args[0] !== undefined || v.value('target') === undefined,
    why: 'it is where the target named by --target is written (an artifact is verified where it is, not downloaded)',
  },
  ...(
    [
      ['--source-username', 'sourceUsername'],
      ['--source-password-file', 'sourcePasswordFile'],
    ] as const
  ).map(([flag, attr]) => ({
    command: 'mirror',
    flag,
    attr,
    when: (v: FlagView) => !isOci(v.args[0]),
    why: 'the SOURCE is not a registry (oci://HOST/REPO)',
  })),
  {
    command: 'mirror',
    flag: '--interval',
    attr: 'interval',
    when: (v) => v.value('check') !== true,
    why: 'only --check uses it',
  },
  // setup stores a key file and token settings side by side: `sign --method` picks one later
];

/** The command's path below the program: `key rotate`, `online-sign`. */
function pathOf(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** Throws a UsageError for the first flag that has no effect in this command line. */
export function checkFlags(cmd: Command): void {
  const opts = cmd.opts();
  const view: FlagView = {
    given: (attr) => cmd.getOptionValueSource(attr) === 'cli',
    value: (attr) => opts[attr],
    args: cmd.processedArgs,
  };
  const path = pathOf(cmd);
  // `--cache DIR --no-cache` sets one option twice: the last would silently win
  let root: Command = cmd;
  while (root.parent) root = root.parent;
  // commander keeps the words it parsed on the program (not in its typings)
  const raw = (root as unknown as { rawArgs?: string[] }).rawArgs ?? [];
  if (
    path === 'verify' &&
    raw.includes('--no-cache') &&
    raw.some((a) => a === '--cache' || a.startsWith('--cache='))
  )
    throw new UsageError('--cache has no effect here: --no-cache keeps nothing between runs');
  for (const r of RULES) {
    if (r.command === path && view.given(r.attr) && r.when(view))
      throw new UsageError(`${r.flag} has no effect here: ${r.why}`);
  }
}

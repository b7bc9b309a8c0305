/**
 * Every command with its arguments and options, and nothing else: a command's code
 * (signer-cli/commands/*, and through it lib/, tuf-js, simple-git, yaml, the PKCS#11
 * addon) is imported only when that command runs, so `--help` starts fast.
 */
import type { Command } from 'commander';
import type { Ctx } from './context.js';
import type { DelegateOpts } from './commands/delegate.js';
import type { EventUpdateOpts } from './commands/event.js';
import type { StatusOpts } from './commands/status.js';
import type { InitOpts } from './commands/init.js';
import type { ProjectOpts } from './commands/project.js';
import type { GenOpts, SetupOpts } from './commands/key.js';
import type { RotateOpts } from './commands/rotate.js';
import type { AddArtifactOpts } from './commands/oci-add-artifact.js';
import type { BumpOpts, OnlineSignOpts } from './commands/online.js';
import type { ListOpts, PublicOpts } from './commands/pkcs11-keys.js';
import type { PublishOpts } from './commands/publish.js';
import type { SignOpts } from './commands/sign.js';
import type { VerifyOpts } from './commands/verify.js';
import type { MirrorOpts } from './commands/mirror.js';
import type { CopyOpts } from './commands/copy.js';

export const CONFIG_FILE = '.tufci.yaml';

const repeatable = (v: string, p: string[] = []): string[] => [...p, v];

/** The signer settings every signing command takes over `.tufci.yaml`. */
function configOptions(cmd: Command): Command {
  return cmd
    .option('--user <@name>', 'your GitHub user name (default: user-name in .tufci.yaml)')
    .option(
      '--keyfile <path>',
      'sign with this encrypted PEM key file (passphrase: prompt or TUFCI_KEY_PASSPHRASE)',
    )
    .option('--method <method>', 'signing method: keyfile or pkcs11 (YubiKey)')
    .option('--pull-remote <name>', 'remote to fetch the event from (default: origin)')
    .option(
      '--push-remote <name>',
      'remote to push to; a fork makes this print the PR link (default: pull remote)',
    );
}

/** The registry flags (publish, verify, add-artifact). */
function registryOptions(cmd: Command): Command {
  return cmd
    .option('--registry-username <name>', 'registry user (or TUFCI_REGISTRY_USERNAME)')
    .option(
      '--registry-password-file <file>',
      'file holding the registry password or token (or TUFCI_REGISTRY_PASSWORD)',
    )
    .option('--plain-http', 'talk plain HTTP to the registry (the default for loopback only)');
}

export function defineSetup(program: Command, ctx: Ctx): void {
  program
    .command('setup')
    .description(`write your signer settings to ${CONFIG_FILE} (git-ignored)`)
    .requiredOption('--user <@name>', 'your GitHub user name')
    .option('--keyfile <path>', 'your key file (signing method keyfile)')
    .option('--method <method>', 'keyfile or pkcs11 (YubiKey)')
    .option('--pull-remote <name>', 'remote to fetch signing events from', 'origin')
    .option('--push-remote <name>', 'remote to push signatures to (your fork)')
    .option('--pkcs11-module <path>', 'PKCS#11 module (default: ykcs11)')
    .option(
      '--pkcs11-key <key>',
      'token key: 9c (PIV slot 9c, the default), id:HEX, a label, or a pkcs11: URI',
    )
    .action(async (o: SetupOpts) => (await import('./commands/key.js')).setupCommand(ctx, o));
}

export function defineInit(program: Command, ctx: Ctx): void {
  configOptions(
    program
      .command('init')
      .description(
        'bootstrap root and targets in a signing event; snapshot and timestamp use the online key',
      ),
  )
    .option('--event <branch>', 'signing event branch', 'sign/init')
    .option('--root-signers <users>', 'comma-separated @users who sign root (default: you)')
    .option('--root-threshold <n>', 'root signatures required', '1')
    .option('--targets-signers <users>', 'comma-separated @users who sign targets (default: you)')
    .option('--targets-threshold <n>', 'targets signatures required', '1')
    .option(
      '--key <@user=file>',
      "a signer's public key PEM (repeatable); signers without one are invited",
      repeatable,
    )
    .requiredOption(
      '--online-key <file>',
      'public key PEM of the online key that signs snapshot and timestamp',
    )
    .option(
      '--online-uri <uri>',
      'where CI finds the online private key: envvar:NAME, file:PATH, pkcs11:…, awskms:KEY',
      'envvar:TUFCI_ONLINE_KEY',
    )
    .option('--root-expiry <days>', 'root expiry period')
    .option(
      '--root-signing <days>',
      'root signing period (a bump event opens this long before expiry)',
    )
    .option('--targets-expiry <days>', 'targets expiry period')
    .option('--targets-signing <days>', 'targets signing period')
    .option('--snapshot-expiry <days>', 'snapshot expiry period')
    .option('--snapshot-signing <days>', 'snapshot signing period')
    .option('--timestamp-expiry <days>', 'timestamp expiry period')
    .option('--timestamp-signing <days>', 'timestamp signing period')
    .option(
      '--top-level-dirs',
      'files in targets/<dir>/ without a role <dir> are top-level targets (default: refused, as in tuf-on-ci)',
    )
    .option(
      '--layout <layout>',
      'flat (roles you delegate), or projects: claimed and recently-claimed layers for many projects (see docs/LAYOUTS.md)',
      'flat',
    )
    .option(
      '--bins <n>',
      'projects layout: bins per layer (claimedbin-NNNN, recentbin-NNNN; default 16)',
    )
    .option('--no-push', 'commit but do not push')
    .action(async (o: InitOpts) => (await import('./commands/init.js')).initCommand(ctx, o));
}

export function defineProject(program: Command, ctx: Ctx): void {
  const p = program
    .command('project')
    .description('projects layout: claim, change maintainers, promote and remove projects');
  const withEvent = (c: Command, def: string): Command =>
    configOptions(c)
      .option('--event <branch>', `signing event branch (default ${def})`)
      .option('--no-sign', 'do not sign the changed roles yourself')
      .option('--no-push', 'commit but do not push');
  const load = async (): Promise<typeof import('./commands/project.js')> =>
    import('./commands/project.js');
  withEvent(
    p
      .command('claim <name>')
      .description(
        'register a new project in its recently-claimed bin (signed online after merge); usable at once',
      ),
    'sign/claim-<name>',
  )
    .requiredOption('--maintainers <users>', 'comma-separated @users who sign the project')
    .option('--threshold <n>', 'signatures required for the project', '1')
    .option('--key <@user=file>', "a maintainer's public key PEM (repeatable)", repeatable)
    .action(async (name: string, o: ProjectOpts) => (await load()).claimCommand(ctx, name, o));
  withEvent(
    p
      .command('keys <name>')
      .description(
        "set who signs targets-<name> (keys-<name>'s delegation); signed by the project's promoted keys",
      ),
    'sign/keys-<name>',
  )
    .requiredOption('--maintainers <users>', 'comma-separated @users; the complete new list')
    .option('--threshold <n>', 'signatures required for targets-<name>')
    .option('--key <@user=file>', "a maintainer's public key PEM (repeatable)", repeatable)
    .action(async (name: string, o: ProjectOpts) => (await load()).keysCommand(ctx, name, o));
  withEvent(
    p
      .command('promote')
      .description(
        'admin: copy keys from keys-<name> into claimed bins and move recently-claimed projects into claimed bins, in one event',
      ),
    'sign/promote',
  )
    .option(
      '--keep-recent',
      'leave moved projects in recently-claimed until the next promote (a staged move)',
    )
    .action(async (o: ProjectOpts) => (await load()).promoteCommand(ctx, o));
  withEvent(
    p
      .command('remove <name>')
      .description(
        'admin: remove a project: its delegation, keys-<name>, targets-<name> and files',
      ),
    'sign/remove-<name>',
  ).action(async (name: string, o: ProjectOpts) => (await load()).removeCommand(ctx, name, o));
}

export function defineDelegate(program: Command, ctx: Ctx): void {
  configOptions(
    program
      .command('delegate <event> <role>')
      .description(
        'create or change a role (root, targets, snapshot, timestamp or a delegated role) in a signing event',
      ),
  )
    .option(
      '--signers <users>',
      'comma-separated @users; the complete new list (new signers without keys are invited)',
    )
    .option('--threshold <n>', 'signatures required')
    .option('--expiry <days>', 'expiry period in days')
    .option(
      '--signing <days>',
      'signing period in days (how long before expiry a bump event opens)',
    )
    .option(
      '--paths <patterns>',
      'delegated roles: comma-separated target path patterns (default for a new role: <role>/* down to four levels, <role>/*/*/*/*)',
    )
    .option('--key <@user=file>', "a signer's public key PEM (repeatable)", repeatable)
    .option(
      '--bins <n>',
      "make the role delegate to N succinct hash bins (a power of two, 2 to 16384); --signers and --threshold are then the bins'; another N re-shapes them",
    )
    .option('--online', 'with --bins: the bins are signed by the online key (online-sign)')
    .option('--bin-prefix <prefix>', 'with --bins: bin names are <prefix>-<hex> (default: bins)')
    .option('--no-sign', 'do not sign the changed roles yourself')
    .option('--no-push', 'commit but do not push')
    .action(async (event: string, role: string, o: DelegateOpts) =>
      (await import('./commands/delegate.js')).delegateCommand(ctx, event, role, o),
    );
}

export function defineSign(program: Command, ctx: Ctx): void {
  configOptions(
    program
      .command('sign <event>')
      .description(
        'accept an invite or sign the roles of a signing event that need your signature, then push',
      ),
  )
    .option('-y, --yes', 'sign without asking (the changes are still printed)')
    .option('--no-push', 'commit but do not push')
    .action(async (event: string, o: SignOpts) =>
      (await import('./commands/sign.js')).signCommand(ctx, event, o),
    );
}

export function defineStatus(program: Command, ctx: Ctx): void {
  program
    .command('status')
    .description(
      'who signed and who is missing in the checked-out event (on the default branch: roles due or below threshold), ending with the next command',
    )
    .option('--remote <name>', 'remote that has the default branch', 'origin')
    .option('--default-branch <name>', 'default branch (default: the remote HEAD)')
    .option('--no-fetch', 'do not fetch the remote first (use what the last fetch saw)')
    .option('--all', 'list every open sign/* event and whom each waits for')
    .option('--json', 'print the status as JSON')
    .option('--markdown', 'print the report as markdown (as in the PR comment)')
    .action(async (o: StatusOpts) => (await import('./commands/status.js')).statusCommand(ctx, o));
}

export function defineEvent(program: Command, ctx: Ctx): void {
  const ev = program
    .command('event')
    .description('signing-event tasks that CI runs on sign/* branches');
  ev.command('update')
    .description(
      'sync targets metadata with targets/, bump each changed role once per event, commit (idempotent); an event behind the default branch takes it in first (a merge commit, no JSON conflict)',
    )
    .option('--remote <name>', 'remote that has the default branch', 'origin')
    .option('--default-branch <name>', 'default branch (default: the remote HEAD)')
    .option('--no-commit', 'write files but do not commit')
    .option('--push', 'push the branch after committing', false)
    .action(async (o: EventUpdateOpts) =>
      (await import('./commands/event.js')).eventUpdateCommand(ctx, o),
    );
}

export function defineOnline(program: Command, ctx: Ctx): void {
  program
    .command('online-sign')
    .description(
      'sign new snapshot and timestamp with the online key, only when needed (run on the default branch)',
    )
    .option('--no-commit', 'write files but do not commit')
    .option('--push', 'push after committing', false)
    .option('--remote <name>', 'remote to push to', 'origin')
    .option(
      '--online-uri <uri>',
      "sign with this online key URI instead of root's x-tuf-on-ci-online-uri (same key)",
    )
    .action(async (o: OnlineSignOpts) =>
      (await import('./commands/online.js')).onlineSignCommand(ctx, o),
    );
  program
    .command('bump-expiring')
    .description(
      'open a sign/bump-<role>-v<N> branch for each offline role in its signing period, expired or below threshold',
    )
    .option('--remote <name>', 'remote to push the branches to', 'origin')
    .option('--no-push', 'create branches locally only')
    .action(async (o: BumpOpts) =>
      (await import('./commands/online.js')).bumpExpiringCommand(ctx, o),
    );
}

export function definePublish(program: Command, ctx: Ctx): void {
  const cmd = program
    .command('publish')
    .description(
      'publish the consistent-snapshot tree (metadata and targets) of the checked-out default branch',
    )
    .requiredOption('--to <destination>', 'dir:PATH (static layout), or an OCI destination')
    .option(
      '--name <name>',
      'repository name on index.html (dir: only; default: $GITHUB_REPOSITORY, else the checkout directory name)',
    )
    .option(
      '--url <url>',
      'http(s):// address the tree is served from, filled into the verify snippets on index.html (dir: only)',
    );
  registryOptions(cmd).action(async (o: PublishOpts) =>
    (await import('./commands/publish.js')).publishCommand(ctx, o),
  );
}

export function defineVerify(program: Command, ctx: Ctx): void {
  const cmd = program
    .command('verify [artifact]')
    .description('verify a published repository as a TUF client and download a target')
    .option(
      '--from <source>',
      'dir:PATH or http(s)://URL of a tree tufci published; oci://HOST/REPO or oci-layout:DIR (OCI)',
    )
    .option(
      '--metadata-url <url>',
      'any TUF repository: the http(s):// or file:// URL of its metadata (instead of --from)',
    )
    .option(
      '--targets-url <url>',
      'with --metadata-url: the URL of its targets (default: beside the metadata, URL/../targets/)',
    )
    .option(
      '--root <file>',
      'pinned trusted root.json, used when the cache holds no trusted root yet (default: metadata/root_history/1.root.json)',
    )
    .option('--target <path>', 'target to download and verify')
    .option('--out <file>', 'where to write the verified target')
    .option(
      '--timeout <seconds>',
      'how long one download (HTTP or registry, headers and body) may take before it is refused as a slow retrieval (default: 30)',
    )
    .option(
      '--require-origin',
      'also require an imported role (import-*, from `tufci copy --signatures original`) to verify and list the same length and hashes (exit 3 otherwise)',
    )
    .addHelpText(
      'after',
      `
A verified target is reported with every chain of delegations that lists it, e.g.
  Target "apps/web:v1": signed by the source's role "targets" (oci://src.example/acme/tuf)
  through import-web, 2 of 3 keys (threshold 2); attested by targets, 1 of 1 key (threshold 1).
followed, when there is more than one, by each chain and its status. The standard TUF
lookup (the first chain in TUF's search order) decides; a chain that does not verify or
lists other bytes is reported and never counts. --require-origin fails unless an imported
chain verifies and agrees on length and hashes with the one that decided (docs/MOVEMENT.md).`,
    );
  registryOptions(cmd)
    .option(
      '--cache <dir>',
      'trusted metadata kept between runs (root.json, timestamp.json, …), so rollbacks and freezes are refused (default: one directory per source under $XDG_CACHE_HOME/tufci or ~/.cache/tufci)',
    )
    .option('--no-cache', 'trust only the pinned root: keep nothing between runs')
    .action(async (artifact: string | undefined, o: VerifyOpts) =>
      (await import('./commands/verify.js')).verifyCommand(ctx, artifact, o),
    );
}

export function defineKey(program: Command, ctx: Ctx): void {
  const key = program.command('key').description('manage signing keys');
  key
    .command('generate')
    .description('generate a key file (encrypted PKCS#8 PEM) and its public key (<out>.pub)')
    .option('--type <type>', 'ed25519 or ecdsa (P-256)', 'ecdsa')
    .requiredOption('--out <file>', 'private key file to write')
    .option(
      '--no-passphrase',
      'store the private key unencrypted (online keys kept in CI secrets only)',
    )
    .action(async (o: GenOpts) => (await import('./commands/key.js')).generateCommand(ctx, o));
  configOptions(
    key
      .command('rotate')
      .description(
        'open one signing event that replaces your key in every role you sign (root, targets, delegated roles), sign it with the new and the old key, and point .tufci.yaml at the new key',
      ),
  )
    .requiredOption(
      '--new-key <key>',
      'the new key: a key file (KEY, or KEY.pub beside it), or a token key: 9c, id:HEX, label:NAME, pkcs11:…',
    )
    .option(
      '--pkcs11-module <path>',
      'with a token key: its PKCS#11 module (default: pkcs11-module in .tufci.yaml, or ykcs11)',
    )
    .option('--event <branch>', 'signing event branch (default: sign/rotate-<your name>)')
    .option(
      '--no-sign',
      'do not sign (then `tufci sign` with the new key, and with the old one for root)',
    )
    .option('--no-push', 'commit but do not push')
    .action(async (o: RotateOpts) => (await import('./commands/rotate.js')).rotateCommand(ctx, o));
  key
    .command('list')
    .description(
      'list the keys on each PKCS#11 token (YubiKey) and the roles each signs for in this repository',
    )
    .option('--module <path>', 'PKCS#11 module (default: pkcs11-module in .tufci.yaml, or ykcs11)')
    .option('--json', 'machine-readable output')
    .action(async (o: ListOpts) =>
      (await import('./commands/pkcs11-keys.js')).keyListCommand(ctx, o),
    );
  key
    .command('public')
    .description(
      'print (or --out) the public key PEM of a token key or an online key URI, e.g. for init --online-key or --key @user=FILE',
    )
    .argument('[uri]', 'an online key URI: awskms:KEY, pkcs11:…, file:PATH or envvar:NAME')
    .option('--module <path>', 'PKCS#11 module (default: pkcs11-module in .tufci.yaml, or ykcs11)')
    .option(
      '--key <key>',
      'the key: 9c (PIV default), id:HEX, a label, or a pkcs11: URI (default: pkcs11-key in .tufci.yaml)',
    )
    .option('--out <file>', 'write the PEM to this file instead of printing it')
    .action(async (uri: string | undefined, o: PublicOpts) =>
      (await import('./commands/pkcs11-keys.js')).keyPublicCommand(ctx, uri, o),
    );
}

export function defineAddArtifact(program: Command, ctx: Ctx): void {
  const cmd = configOptions(
    program
      .command('add-artifact <event> <reference>')
      .description(
        'record an OCI artifact (oci://HOST/REPO@sha256:… or :TAG) as a signed target in a signing event',
      ),
  )
    .option(
      '--path <target>',
      'TUF target path (default REPO:TAG, or REPO@DIGEST; <role>/… goes to a delegated role)',
    )
    .option('--sign', 'also sign the changed roles yourself')
    .option('--no-push', 'commit but do not push');
  registryOptions(cmd).action(async (event: string, reference: string, o: AddArtifactOpts) =>
    (await import('./commands/oci-add-artifact.js')).addArtifact(ctx, event, reference, o),
  );
}

export function defineMirror(program: Command, ctx: Ctx): void {
  const cmd = program
    .command('mirror <source> <destination>')
    .description(
      'copy a TUF repository on OCI (metadata, targets, the registry artifacts it signs and their pointers) to another registry or layout, after verifying it',
    )
    .option(
      '--root <file>',
      "trusted root.json to verify the source from (default: the destination's newest root)",
    )
    .option('--check', "fail when the destination's timestamp expires within --interval")
    .option('--interval <duration>', 'time until the next mirror run, e.g. 6h or 1d (with --check)')
    .option(
      '--source-username <name>',
      "the source registry's user, when it differs from the destination's (--registry-* then go to the destination only)",
    )
    .option('--source-password-file <file>', "file holding the source registry's password or token")
    .addHelpText(
      'after',
      `
SOURCE and DESTINATION are oci://HOST/REPO, oci-layout:DIR or oci-archive:FILE.tar (an
OCI layout in one tar file, for an air gap). The source is verified as a
TUF client would (root chain, timestamp, snapshot, targets and every delegated role)
before anything is copied; the destination then verifies from the same root.
Artifacts keep their repository path (HOST/apps/web -> DEST_HOST/apps/web; in a layout,
DIR/artifacts/apps/web) and their digests. Order: artifacts and targets, role metadata,
latest last. Re-running copies only what changed.

Credentials: --registry-username/--registry-password-file (or TUFCI_REGISTRY_USERNAME /
TUFCI_REGISTRY_PASSWORD) go to the registries named here; with --source-username/
--source-password-file the source has its own. Otherwise ~/.docker/config.json, per host.

Examples:
  tufci mirror oci://src.example/acme/tuf oci://mirror.example/acme/tuf --root root.json
  tufci mirror oci://src.example/acme/tuf oci-layout:./export     # air gap: export
  tufci mirror oci://src.example/acme/tuf oci-archive:export.tar  # … as one tar file
  tufci mirror oci-layout:./export oci://inside.example/acme/tuf --root root.json
  tufci mirror SRC DST --check --interval 6h                     # scheduled refresh`,
    );
  registryOptions(cmd).action(async (src: string, dst: string, o: MirrorOpts) =>
    (await import('./commands/mirror.js')).mirrorCommand(ctx, src, dst, o),
  );
}

export function defineCopy(program: Command, ctx: Ctx): void {
  const cmd = configOptions(
    program
      .command('copy [source] [destination]')
      .description(
        "copy a registry artifact to this repository's registry (digest unchanged) and sign it here in a signing event, or carry the source's signatures",
      ),
  )
    .option('--event <branch>', 'signing event to record the copy in (sign/NAME; required)')
    .option(
      '--signatures <which>',
      "none (default): this repository's signers sign the copy; original: import the source's role that signs it, byte for byte, under a delegation this repository's signers sign (needs --source-root)",
    )
    .option(
      '--import-name <name>',
      "with --signatures original: the imported role is import-<name> (default: the last segment of the source's repository)",
    )
    .option(
      '--add-signature',
      "with --signatures original: this repository's own role lists the target too (same length, hashes and custom), so verify reports both chains",
    )
    .option(
      '--refresh',
      "bring every imported role on the checked-out branch up to the source's newer version, verified against its delegation's keys and threshold (no SOURCE or DESTINATION; for a scheduled job)",
    )
    .option(
      '--source-root <file>',
      "verify the artifact at the source first, from the source's trusted root.json; refuse it (nothing copied) when it does not verify",
    )
    .option(
      '--source-from <location>',
      "the source's TUF repository (oci://HOST/REPO or oci-layout:DIR), when its pointer does not say (with --source-root)",
    )
    .option('--cache <dir>', "trusted state for the source's repository (with --source-root)")
    .option('--no-cache', 'keep no trusted state for the source (with --source-root)')
    .option(
      '--path <target>',
      'TUF target path at the destination (default REPO:TAG, or REPO@DIGEST)',
    )
    .option('--sign', 'also sign the changed roles yourself')
    .option('--no-push', 'commit but do not push')
    .addHelpText(
      'after',
      `
SOURCE is oci://HOST/REPO@sha256:… or :TAG (or oci-layout:DIR@…); it needs no TUF
repository. DESTINATION is oci://HOST/REPO[:TAG] in a registry this repository signs for.
The artifact's whole graph is copied (index children, blobs; a mount on one registry),
its digest unchanged; the event then lists it as a target of the destination's own role,
so the destination's signers sign it and snapshot and timestamp follow online.

With --signatures original (and --source-root) the role of the source that signs the
artifact is copied too, byte for byte (its version, expiry and signatures the source's),
as metadata/import-<name>.json; targets delegates to it, terminating, with the source
role's keys and threshold, for the copied target names only, and the entry records where
it comes from ("x-tufci-import": {"repository": …, "role": …}). This repository's signers
sign only that delegation. --add-signature also lists the target in this repository's own
role. Before the imported role expires, \`tufci copy --refresh\` (on the default branch,
scheduled, like online-sign) fetches the source's newer version of it and keeps it when it
verifies against the delegation; no person signs.

Examples:
  tufci copy oci://src.example/apps/web:v1 oci://dst.example/apps/web:v1 --event sign/web-v1
  tufci copy oci://src.example/apps/web@sha256:… oci://dst.example/apps/web \\
    --event sign/web --source-root source-root.json
  tufci copy oci://src.example/apps/web:v1 oci://dst.example/apps/web:v1 --event sign/web \\
    --signatures original --source-root source-root.json --source-from oci://src.example/acme/tuf
  tufci copy --refresh          # scheduled on the default branch: commits and pushes`,
    );
  registryOptions(cmd).action(
    async (src: string | undefined, dst: string | undefined, o: CopyOpts) =>
      (await import('./commands/copy.js')).copyCommand(ctx, src, dst, o),
  );
}

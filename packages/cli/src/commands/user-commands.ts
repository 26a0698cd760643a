import type { Command } from 'commander';
import type { LoginResult, Page, User } from '../api-types.js';
import { FleetportClient } from '../client.js';
import { CommandContext, type GlobalOptions } from '../context.js';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { oneOf } from '../options.js';
import { type Column, formatDetails, formatTable, formatTime } from '../output.js';
import { resolveConnection, resolveServerUrl, saveProfileSession } from '../profiles.js';

const SCOPES = ['reader', 'operator', 'admin'] as const;

const userColumns: readonly Column<User>[] = [
  { header: 'id', value: (u) => u.id },
  { header: 'email', value: (u) => u.email },
  { header: 'name', value: (u) => u.name },
  { header: 'scope', value: (u) => `${u.scope}${u.system ? ' (system)' : ''}` },
  { header: 'password', value: (u) => (u.passwordSet ? 'set' : 'not set') },
  { header: 'totp', value: (u) => (u.totpEnabled ? 'on' : 'off') },
  { header: 'created', value: (u) => formatTime(u.createdAt) },
];

function userDetails(u: User): string {
  return formatDetails([
    ['id', u.id],
    ['tenant', u.tenantId],
    ['email', u.email],
    ['name', u.name],
    ['scope', u.scope],
    ['system', u.system ? 'yes' : 'no'],
    ['password', u.passwordSet ? 'set' : 'not set'],
    ['totp', u.totpEnabled ? 'on' : 'off'],
    ['created', formatTime(u.createdAt)],
  ]);
}

/**
 * A password from standard input (`--password-stdin`, one line) or FLEETPORT_PASSWORD;
 * never from a flag, which other users of the host could read in the process list.
 */
async function readPassword(
  io: CliIo,
  fromStdin: boolean | undefined,
  required: boolean,
): Promise<string | undefined> {
  if (fromStdin) {
    if (!io.stdin) throw new UsageError('no standard input to read the password from');
    let text = '';
    for await (const chunk of io.stdin)
      text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return text.replace(/\r?\n$/, '');
  }
  const fromEnv = io.env.FLEETPORT_PASSWORD;
  if (fromEnv) return fromEnv;
  if (required)
    throw new UsageError(
      'no password: pipe it with --password-stdin or set FLEETPORT_PASSWORD',
      'missing_password',
    );
  return undefined;
}

/** The token that sets a password is the one thing to copy: set it apart, shown once. */
function resetTokenText(token: { token: string; expiresAt: string }): string {
  return [
    `A single-use token, valid until ${formatTime(token.expiresAt)}, shown only this once:`,
    '',
    `  fleetport users set-password --token ${token.token} --password-stdin`,
    '',
  ].join('\n');
}

/** `login`, `logout` and `users …`. */
export function registerUserCommands(program: Command, io: CliIo): void {
  program
    .command('login')
    .description('sign in as a user and keep the session in the profile (--profile, else "default")')
    .requiredOption('--email <email>', "the user's e-mail")
    .option('--password-stdin', 'read the password from standard input (else FLEETPORT_PASSWORD)')
    .option('--code <code>', 'a TOTP code (or a recovery code) when the user has TOTP')
    .action(async function login(
      options: { email: string; passwordStdin?: boolean; code?: string },
      command: Command,
    ) {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const ctx = new CommandContext(io, command);
      const url = resolveServerUrl(globals, io.env);
      const password = (await readPassword(io, options.passwordStdin, true)) ?? '';
      const session = await new FleetportClient({ url }).request<LoginResult>('POST', '/v1/auth/login', {
        json: { email: options.email, password, ...(options.code ? { code: options.code } : {}) },
      });
      const profile = globals.profile ?? (io.env.FLEETPORT_PROFILE || 'default');
      const file = saveProfileSession(io.env, profile, url, {
        secret: session.secret,
        csrfToken: session.csrfToken,
        email: session.user.email,
        expiresAt: session.expiresAt,
      });
      const { secret: _secret, ...shown } = session;
      ctx.show(shown, (s) =>
        [
          `signed in as ${s.user.email} (tenant ${s.user.tenantId}, scope ${s.user.scope})`,
          `the session is kept in profile '${profile}' of ${file}; it ends after 30 idle minutes or at ${formatTime(s.expiresAt)}`,
        ].join('\n'),
      );
    });

  program
    .command('logout')
    .description("end the profile's session (fleetport login) and forget it")
    .action(async function logout(_options: unknown, command: Command) {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const ctx = new CommandContext(io, command);
      const connection = resolveConnection(globals, io.env);
      if (!connection.session)
        throw new UsageError('signed in with an API key, not a session: nothing to log out');
      const profile = globals.profile ?? (io.env.FLEETPORT_PROFILE || 'default');
      // Forgotten even when the server says the session already ended.
      await ctx.client
        .send('POST', '/v1/auth/logout')
        .finally(() => saveProfileSession(io.env, profile, connection.url, undefined));
      ctx.note(`signed out; profile '${profile}' holds no session any more`);
    });

  const users = program
    .command('users')
    .description('users: list, get, create, remove, reset-password, set-password');
  users
    .command('list')
    .description("list the users of your tenant (or --tenant's, with the bootstrap key)")
    .option('--tenant <tenant>', 'another tenant (bootstrap key)')
    .action(async function listUsers(options: { tenant?: string }, command: Command) {
      const ctx = new CommandContext(io, command);
      const path = options.tenant ? `/v1/tenants/${encodeURIComponent(options.tenant)}/users` : '/v1/users';
      const items: User[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await ctx.client.request<Page<User>>('GET', path, { query: { limit: 1000, after } });
        items.push(...page.items);
        if (page.nextCursor === null || page.items.length === 0) break;
        after = page.nextCursor;
      }
      ctx.show({ items, nextCursor: null }, (p) => formatTable(userColumns, p.items));
    });
  users
    .command('get')
    .description('show one user of your tenant')
    .argument('<user-id>', 'the user id (usr_…)')
    .action(async function getUser(userId: string, _options: unknown, command: Command) {
      const ctx = new CommandContext(io, command);
      ctx.show(await ctx.client.request<User>('GET', `/v1/users/${encodeURIComponent(userId)}`), userDetails);
    });
  users
    .command('create')
    .description(
      'create a user; with no password (FLEETPORT_PASSWORD or --password-stdin) a reset token sets it',
    )
    .requiredOption('--email <email>', "the user's e-mail (its login)")
    .requiredOption('--scope <scope>', `one of ${SCOPES.join(', ')}`, oneOf(SCOPES))
    .option('--name <name>', 'display name (the e-mail when omitted)')
    .option('--tenant <tenant>', 'create it in this tenant (bootstrap key) instead of your own')
    .option('--password-stdin', 'read the password from standard input')
    .action(async function createUser(
      options: { email: string; scope: string; name?: string; tenant?: string; passwordStdin?: boolean },
      command: Command,
    ) {
      const ctx = new CommandContext(io, command);
      const password = await readPassword(io, options.passwordStdin, false);
      const path = options.tenant ? `/v1/tenants/${encodeURIComponent(options.tenant)}/users` : '/v1/users';
      const user = await ctx.client.request<User>('POST', path, {
        json: {
          email: options.email,
          scope: options.scope,
          ...(options.name ? { name: options.name } : {}),
          ...(password === undefined ? {} : { password }),
        },
      });
      ctx.show(user, (u) => `created user ${u.id}\n${userDetails(u)}`);
    });
  users
    .command('remove')
    .description('remove a user of your tenant; its sessions end')
    .argument('<user-id>', 'the user id (usr_…)')
    .action(async function removeUser(userId: string, _options: unknown, command: Command) {
      const ctx = new CommandContext(io, command);
      await ctx.client.send('DELETE', `/v1/users/${encodeURIComponent(userId)}`);
      ctx.show({ id: userId, removed: true }, () => `removed user ${userId}`);
    });
  users
    .command('reset-password')
    .description("print a single-use token that sets the user's password (24 hours)")
    .argument('<user-id>', 'the user id (usr_…)')
    .action(async function resetPassword(userId: string, _options: unknown, command: Command) {
      const ctx = new CommandContext(io, command);
      const token = await ctx.client.request<{ token: string; expiresAt: string }>(
        'POST',
        `/v1/users/${encodeURIComponent(userId)}/reset-token`,
      );
      ctx.show(token, resetTokenText);
    });
  users
    .command('set-password')
    .description('set a password with a reset or setup token (needs no key); every session of the user ends')
    .requiredOption('--token <token>', 'the token (fpr_…) printed by reset-password or the first start')
    .option('--password-stdin', 'read the password from standard input (else FLEETPORT_PASSWORD)')
    .action(async function setPassword(
      options: { token: string; passwordStdin?: boolean },
      command: Command,
    ) {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const ctx = new CommandContext(io, command);
      const password = (await readPassword(io, options.passwordStdin, true)) ?? '';
      const user = await new FleetportClient({ url: resolveServerUrl(globals, io.env) }).request<User>(
        'POST',
        '/v1/auth/password-reset',
        { json: { token: options.token, password } },
      );
      ctx.show(
        user,
        (u) => `the password of ${u.email} is set; sign in with \`fleetport login --email ${u.email}\``,
      );
    });
}

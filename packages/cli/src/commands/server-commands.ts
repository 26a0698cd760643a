// Only the configuration schema (and the young-generation limit) is loaded up front: the
// server (Fastify, the database drivers) is imported by `serve` and `migrate` alone, so
// client commands start fast.

import type { StartupError } from '@fleetport/server';
import { ConfigError, configSchema, loadConfig } from '@fleetport/server/config';
import { limitYoungGeneration } from '@fleetport/server/young-generation';
import { type Command, Option } from 'commander';
import { CliError, ExitCode, UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { formatJson, print } from '../output.js';

type ConfigKey = (typeof configSchema)[number]['key'];

/** The keys `migrate` needs: where the database is and how to open it. */
const DATABASE_KEYS: ReadonlySet<ConfigKey> = new Set<ConfigKey>([
  'dataDir',
  'databaseUrl',
  'sqliteSynchronous',
  'databasePoolSize',
]);

/**
 * One option per key of the server's config schema, so the flags never drift from it.
 * No commander defaults: an unset flag must leave the environment and the config file
 * their say, and the server applies its own defaults.
 */
function addConfigOptions(command: Command, keys: (key: ConfigKey) => boolean): Command {
  for (const spec of configSchema) {
    if (!keys(spec.key)) continue;
    const defaultText = spec.default === undefined ? '' : `, default ${spec.default}`;
    const option = new Option(`--${spec.flag} <value>`, `${spec.doc} (env ${spec.env}${defaultText})`);
    if (spec.values) option.choices(spec.values);
    command.addOption(option);
  }
  return command.option('--config <file>', 'JSON config file (env FLEETPORT_CONFIG)');
}

/** The flags given on the command line, keyed by config flag name, as loadConfig reads them. */
function configFlags(command: Command): Record<string, unknown> {
  const flags: Record<string, unknown> = {};
  for (const spec of configSchema) {
    const option = command.options.find((o) => o.long === `--${spec.flag}`);
    if (!option) continue;
    const value: unknown = command.getOptionValue(option.attributeName());
    if (value !== undefined) flags[spec.flag] = value;
  }
  return flags;
}

function configFile(command: Command): string | undefined {
  const value: unknown = command.getOptionValue('config');
  return typeof value === 'string' ? value : undefined;
}

/** Turns ConfigError into a usage error listing every problem (exit 2). */
function loadOrExplain(io: CliIo, command: Command) {
  try {
    return loadConfig({ flags: configFlags(command), env: io.env, configFile: configFile(command) });
  } catch (error) {
    if (error instanceof ConfigError) {
      throw new UsageError(
        `invalid configuration:\n${error.problems.map((p) => `  - ${p}`).join('\n')}`,
        'config_error',
      );
    }
    throw error;
  }
}

/** A StartupError (a port in use …) becomes its one line and exit 8, without a stack. */
function explainStartup(type: typeof StartupError, error: unknown): unknown {
  return error instanceof type ? new CliError(error.code, error.message, ExitCode.startup) : error;
}

/** `serve` and `migrate`: the server itself, configured from the same schema it validates with. */
export function registerServerCommands(program: Command, io: CliIo): void {
  addConfigOptions(
    program
      .command('serve')
      .description('run the Fleetport server (HTTP API, registry) until SIGTERM or SIGINT'),
    () => true,
  ).action(async function serveCommand(_options: unknown, command: Command) {
    // Before the server's modules load, while V8's young generation is still small (see there).
    limitYoungGeneration();
    const config = loadOrExplain(io, command);
    const server = await import('@fleetport/server');
    await server.serve(config).catch((error: unknown) => {
      throw explainStartup(server.StartupError, error);
    });
  });

  addConfigOptions(
    program.command('migrate').description('apply pending database migrations and exit'),
    (key) => DATABASE_KEYS.has(key),
  ).action(async function migrateCommand(_options: unknown, command: Command) {
    const config = loadOrExplain(io, command);
    const { migrate } = await import('@fleetport/server');
    const applied = await migrate(config);
    print(
      io.stdout,
      applied.length === 0
        ? 'the database is up to date: no migration to apply'
        : `applied ${applied.length} migration${applied.length === 1 ? '' : 's'}:\n${applied.map((m) => `  ${m}`).join('\n')}`,
    );
  });

  const admin = program
    .command('admin')
    .description('local administration, run on the server host against its database');
  addConfigOptions(
    admin
      .command('reset-key')
      .description(
        'revoke the bootstrap admin key and print a new one (for a lost key; reads the database directly)',
      ),
    (key) => DATABASE_KEYS.has(key),
  ).action(async function resetKeyCommand(_options: unknown, command: Command) {
    const config = loadOrExplain(io, command);
    const server = await import('@fleetport/server');
    const reset = await server.resetAdminKey(config).catch((error: unknown) => {
      throw explainStartup(server.StartupError, error);
    });
    const json = command.optsWithGlobals<{ json?: boolean }>().json === true;
    print(
      io.stdout,
      json
        ? formatJson(reset)
        : [
            reset.revokedKeyIds.length === 0
              ? 'There was no bootstrap key; a new one was made.'
              : `Revoked the bootstrap key ${reset.revokedKeyIds.join(', ')} (a running server stops accepting it within seconds).`,
            'The new bootstrap admin key, shown only this once:',
            '',
            `    FLEETPORT_API_KEY=${reset.secret}`,
            '',
          ].join('\n'),
    );
  });

  addConfigOptions(
    admin
      .command('reset-password')
      .description(
        "print a single-use token that sets a user's password, when no admin can sign in (reads the database directly)",
      )
      .argument('<email>', "the user's e-mail"),
    (key) => DATABASE_KEYS.has(key),
  ).action(async function resetPasswordCommand(email: string, _options: unknown, command: Command) {
    const config = loadOrExplain(io, command);
    const server = await import('@fleetport/server');
    const reset = await server.resetUserPassword(config, email).catch((error: unknown) => {
      throw explainStartup(server.StartupError, error);
    });
    const json = command.optsWithGlobals<{ json?: boolean }>().json === true;
    print(
      io.stdout,
      json
        ? formatJson(reset)
        : [
            `A single-use token for ${email} (user ${reset.userId}, tenant ${reset.tenantId}), valid until ${reset.expiresAt}, shown only this once:`,
            '',
            `    fleetport users set-password --token ${reset.token} --password-stdin`,
            '',
          ].join('\n'),
    );
  });
}

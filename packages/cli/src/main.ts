import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { registerAccessCommands } from './commands/access-commands.js';
import { registerAlertCommands } from './commands/alert-commands.js';
import { registerCaptureCommands } from './commands/capture-commands.js';
import { registerCodecCommands } from './commands/codec-commands.js';
import { registerCommandCommands } from './commands/command-commands.js';
import { registerConfigurationCommands } from './commands/configuration-commands.js';
import { registerDeviceCommands } from './commands/device-commands.js';
import { registerDeviceTypeCommands } from './commands/device-type-commands.js';
import { registerExportCommands } from './commands/export-commands.js';
import { registerHealthCommands } from './commands/health-commands.js';
import { registerJobCommands } from './commands/job-commands.js';
import {
  registerContractCommands,
  registerDeviceLifecycleCommands,
  registerDeviceTypeLifecycleCommands,
} from './commands/lifecycle-commands.js';
import { registerDeviceStateCommand, registerMessageCommands } from './commands/message-commands.js';
import { registerMqttCommands } from './commands/mqtt-commands.js';
import { registerNotificationCommands } from './commands/notification-commands.js';
import { registerResyncCommands } from './commands/resync-commands.js';
import { registerServerCommands } from './commands/server-commands.js';
import { registerTransferCommands } from './commands/transfer-commands.js';
import { registerTwinCommands } from './commands/twin-commands.js';
import { registerUserCommands } from './commands/user-commands.js';
import { registerWebhookCommands } from './commands/webhook-commands.js';
import { CliError, EXIT_CODE_HELP, ExitCode } from './errors.js';
import type { CliIo } from './io.js';

export type { CliIo } from './io.js';

const CLIENT_HELP = [
  '',
  'Client commands connect with (flags beat environment variables, which beat the profile):',
  '  --url / FLEETPORT_URL          default http://127.0.0.1:8080',
  '  --api-key / FLEETPORT_API_KEY',
  '  --profile / FLEETPORT_PROFILE  a profile of $FLEETPORT_CONFIG_HOME/profiles.json',
  '                                 (default ~/.config/fleetport/profiles.json; "default" is used when none is named)',
  '',
  EXIT_CODE_HELP,
  '',
  'Docs: docs/CLI.md',
].join('\n');

function buildProgram(io: CliIo): Command {
  const program = new Command('fleetport')
    .description(
      'Fleetport: run the server, and manage tenants, keys, device types and devices over its HTTP API',
    )
    .option('--url <url>', 'server URL (env FLEETPORT_URL)')
    .option('--api-key <key>', 'API key (env FLEETPORT_API_KEY)')
    .option('--profile <name>', 'profile from the profile file (env FLEETPORT_PROFILE)')
    .option('--json', 'machine output: the API JSON, unchanged')
    // These are inherited by every subcommand created after them.
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, write) => write(`fleetport: usage_error: ${text.replace(/^error: /, '')}`),
    })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', CLIENT_HELP);

  registerServerCommands(program, io);
  registerAccessCommands(program, io);
  registerUserCommands(program, io);
  registerDeviceTypeLifecycleCommands(registerDeviceTypeCommands(program, io), io);
  const devices = program
    .command('devices')
    .description('devices: list, get, create, update, delete, restore, import, export, credentials, state');
  registerDeviceCommands(devices, io);
  registerTransferCommands(devices, io);
  registerDeviceStateCommand(devices, io);
  registerDeviceLifecycleCommands(devices, io);
  registerMessageCommands(program, io);
  registerCaptureCommands(program, io);
  registerResyncCommands(program, io);
  registerExportCommands(program, io);
  registerCodecCommands(program, io);
  registerMqttCommands(program, io);
  registerCommandCommands(program, io);
  registerTwinCommands(program, io);
  registerJobCommands(program, io);
  registerAlertCommands(program, io);
  registerConfigurationCommands(program, io);
  registerContractCommands(program, io);
  registerWebhookCommands(program, io);
  registerNotificationCommands(program, io);
  registerHealthCommands(program, io);
  return program;
}

/** Runs the `fleetport` command with `argv` (without node and the script) and resolves to its exit code. */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ExitCode.ok;
  } catch (error) {
    return reportError(io, error);
  }
}

function reportError(io: CliIo, error: unknown): number {
  if (error instanceof CommanderError) {
    // Commander already printed the message (or the help); only the code is ours.
    return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
  if (error instanceof CliError) {
    const requestId = error.requestId ? ` (request id ${error.requestId})` : '';
    io.stderr.write(`fleetport: ${error.code}: ${error.message}${requestId}\n`);
    return error.exitCode;
  }
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  io.stderr.write(`fleetport: internal: ${detail}\n`);
  return ExitCode.internal;
}

/** True when this module is the program node was asked to run (not when imported by tests). */
function isEntry(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntry()) {
  process.exitCode = await run(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    stdin: process.stdin,
  });
}

import type { Command } from 'commander';
import { FleetportClient } from './client.js';
import type { CliIo } from './io.js';
import { formatJson, print } from './output.js';
import { type ClientOptions, resolveConnection } from './profiles.js';

/** The global options every client command sees. */
export interface GlobalOptions extends ClientOptions {
  readonly json?: boolean;
}

/** What a client command needs: where to write, the output mode and an authenticated client. */
export class CommandContext {
  readonly io: CliIo;
  readonly json: boolean;
  readonly #options: GlobalOptions;
  #client: FleetportClient | undefined;

  constructor(io: CliIo, command: Command) {
    this.io = io;
    this.#options = command.optsWithGlobals<GlobalOptions>();
    this.json = this.#options.json === true;
  }

  /** The client, built on first use so that commands fail on a missing key only when they need one. */
  get client(): FleetportClient {
    this.#client ??= new FleetportClient(resolveConnection(this.#options, this.io.env));
    return this.#client;
  }

  /** Prints `value` as JSON with --json, else what `human` renders from it. */
  show<T>(value: T, human: (value: T) => string): void {
    print(this.io.stdout, this.json ? formatJson(value) : human(value));
  }

  /** A message for people on stderr (hints, "no devices"), never mixed into the data on stdout. */
  note(text: string): void {
    print(this.io.stderr, text);
  }
}

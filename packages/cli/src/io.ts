/** A stream the CLI writes to: process.stdout and process.stderr, or a capture in tests. */
export type OutputStream = NodeJS.WritableStream & { readonly isTTY?: boolean; readonly columns?: number };

/** Everything the CLI reads from or writes to its process, passed in so tests can run it in process. */
export interface CliIo {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdin?: NodeJS.ReadableStream;
}

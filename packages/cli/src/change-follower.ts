import { ChangeFollower as FeedFollower } from '@fleetport/sdk';
import type { Change } from './capture-types.js';
import { FleetportClient, toCliError } from './client.js';

/** Where to follow the change feed from, and what to tell the user on the way. */
export interface ChangeFollowerConfig {
  /** Base URL of the server, without a trailing slash. */
  readonly url: string;
  /** An API key, or a console session from `fleetport login`. */
  readonly apiKey?: string;
  readonly session?: { readonly secret: string; readonly csrfToken: string };
  /** A change cursor, or `latest` for only what comes next. */
  readonly since: string;
  /** Changes per read (the API allows 1–1000). */
  readonly limit?: number;
  /** Seconds a read waits on the server when there is nothing new (the API allows 0–30). */
  readonly waitSeconds?: number;
  /** Ends the follow: the open read is cancelled and `follow` resolves. */
  readonly signal: AbortSignal;
  /** Called once when the server goes away after it had answered. */
  readonly onOutage?: (reason: string) => void;
  /** Called once when it answers again. */
  readonly onReconnect?: () => void;
  /** Delays between reconnection attempts: doubling from `initialMs` up to `maxMs`. */
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
}

/**
 * Follows `GET /v1/changes` with the SDK's follower (every change once and in order; a
 * server that restarts is waited for), its refusals turned into the CLI's errors.
 */
export class ChangeFollower {
  readonly #follower: FeedFollower;

  constructor({ url, apiKey, session, ...options }: ChangeFollowerConfig) {
    const client = new FleetportClient({
      url,
      ...(apiKey === undefined ? {} : { apiKey }),
      ...(session === undefined ? {} : { session }),
    });
    this.#follower = new FeedFollower(client.api, options);
  }

  /** The cursor to resume from: everything up to it was handed out (`latest` before the first read). */
  get cursor(): string {
    return this.#follower.cursor;
  }

  /** Hands each change to `onChange` in commit order until the signal ends the follow. */
  async follow(onChange: (change: Change) => void): Promise<void> {
    try {
      await this.#follower.follow(onChange);
    } catch (error) {
      throw toCliError(error);
    }
  }
}

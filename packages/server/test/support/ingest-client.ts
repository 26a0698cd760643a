import type { ProvisionedDevice } from './provision-devices.js';

/** One uplink a load client made: unique per device by `seq` and by `messageId`. */
export interface LoadMessage {
  readonly deviceId: string;
  readonly seq: number;
  readonly messageId: string;
  readonly hex: string;
}

/** What one attempt to send a message came to, as the client saw it. */
export type Attempt =
  | { readonly kind: 'acked'; readonly status: number; readonly id: string; readonly duplicate: boolean }
  | { readonly kind: 'refused'; readonly status: number; readonly body: string }
  | { readonly kind: 'unanswered'; readonly error: string };

/** A 2xx answer for one message: the id it is stored under, and whether it was already stored. */
export type Ack = Extract<Attempt, { kind: 'acked' }>;

/** How an ingest client reaches the server and how hard it sends. */
export interface IngestClientOptions {
  readonly device: ProvisionedDevice;
  /** The server's current base URL: a restarted server listens on another port. */
  readonly url: () => string;
  /** Messages per request: 1 sends the single-message body, more send `{ messages }`. */
  readonly batchSize?: number;
  /** Requests kept in flight at once. */
  readonly lanes?: number;
  /** Most new messages the client makes, so that every run is bounded. */
  readonly maxMessages?: number;
  /** How long a lane rests after a failed request (the server may be down). */
  readonly pauseAfterFailureMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A device sending uplinks to `POST /v1/ingest` as fast as it can, keeping an exact record
 * of which messages were acknowledged (a 2xx with the stored id) and which were not, so
 * that a test can hold the server to "every acknowledged message is stored exactly once".
 */
export class IngestClient {
  readonly #device: ProvisionedDevice;
  readonly #url: () => string;
  readonly #batchSize: number;
  readonly #lanes: number;
  readonly #maxMessages: number;
  readonly #pauseAfterFailureMs: number;
  #nextSeq = 1;
  readonly #messages: LoadMessage[] = [];
  readonly #acks = new Map<string, Ack>();
  /** Messages whose last attempt failed, to be sent again before new ones. */
  #retryQueue: LoadMessage[] = [];
  readonly #refusals: { readonly status: number; readonly body: string }[] = [];
  readonly #ackConflicts: string[] = [];
  #unanswered = 0;

  constructor({
    device,
    url,
    batchSize = 1,
    lanes = 1,
    maxMessages = 50_000,
    pauseAfterFailureMs = 50,
  }: IngestClientOptions) {
    this.#device = device;
    this.#url = url;
    this.#batchSize = batchSize;
    this.#lanes = lanes;
    this.#maxMessages = maxMessages;
    this.#pauseAfterFailureMs = pauseAfterFailureMs;
  }

  get deviceId(): string {
    return this.#device.deviceId;
  }

  /** Every message made so far, acknowledged or not. */
  get messages(): readonly LoadMessage[] {
    return this.#messages;
  }

  get ackedCount(): number {
    return this.#acks.size;
  }

  /** Requests answered with something other than a 2xx. */
  get refusals(): readonly { readonly status: number; readonly body: string }[] {
    return this.#refusals;
  }

  /** Requests that got no answer at all (connection refused or cut). */
  get unansweredCount(): number {
    return this.#unanswered;
  }

  /** Messages acknowledged twice with different ids: must stay empty. */
  get ackConflicts(): readonly string[] {
    return this.#ackConflicts;
  }

  /** The first acknowledgement of a message, if it had one. */
  ackOf(messageId: string): Ack | undefined {
    return this.#acks.get(messageId);
  }

  /** Messages that never got a 2xx. */
  unacked(): LoadMessage[] {
    return this.#messages.filter((m) => !this.#acks.has(m.messageId));
  }

  /**
   * Sends until `stop()` says so or the budget of new messages is spent, retrying failed
   * messages before making new ones.
   */
  async run(stop: () => boolean): Promise<void> {
    const lane = async () => {
      while (!stop()) {
        const batch = this.#take();
        if (batch.length === 0) return;
        const attempts = await this.send(batch);
        const failed = batch.filter((_, i) => attempts[i]?.kind !== 'acked');
        if (failed.length > 0) {
          this.#retryQueue.push(...failed);
          await sleep(this.#pauseAfterFailureMs);
        }
      }
    };
    await Promise.all(Array.from({ length: this.#lanes }, lane));
  }

  /** Sends every unacknowledged message once more, in requests of the client's batch size. */
  async retryUnacked(): Promise<{ message: LoadMessage; attempt: Attempt }[]> {
    const queue = this.unacked();
    this.#retryQueue = [];
    const results: { message: LoadMessage; attempt: Attempt }[] = [];
    const lane = async () => {
      for (;;) {
        const batch = queue.splice(0, this.#batchSize);
        if (batch.length === 0) return;
        const attempts = await this.send(batch);
        batch.forEach((message, i) => {
          const attempt = attempts[i];
          if (attempt) results.push({ message, attempt });
        });
      }
    };
    await Promise.all(Array.from({ length: this.#lanes }, lane));
    return results;
  }

  /** One request with these messages (a batch when the client sends batches); records the result. */
  async send(batch: readonly LoadMessage[]): Promise<Attempt[]> {
    const attempts = await this.#post(batch);
    batch.forEach((message, i) => {
      const attempt = attempts[i];
      if (attempt?.kind !== 'acked') return;
      const earlier = this.#acks.get(message.messageId);
      if (!earlier) this.#acks.set(message.messageId, attempt);
      else if (earlier.id !== attempt.id) this.#ackConflicts.push(message.messageId);
    });
    return attempts;
  }

  #take(): LoadMessage[] {
    const batch = this.#retryQueue.splice(0, this.#batchSize);
    while (batch.length < this.#batchSize && this.#nextSeq <= this.#maxMessages) {
      const seq = this.#nextSeq;
      this.#nextSeq += 1;
      const message: LoadMessage = {
        deviceId: this.#device.deviceId,
        seq,
        messageId: `${this.#device.deviceId}-${seq}`,
        hex: seq.toString(16).padStart(8, '0'),
      };
      this.#messages.push(message);
      batch.push(message);
    }
    return batch;
  }

  async #post(batch: readonly LoadMessage[]): Promise<Attempt[]> {
    const wire = batch.map(({ seq, messageId, hex }) => ({ seq, messageId, hex }));
    const single = this.#batchSize === 1 && batch.length === 1;
    let status: number;
    let text: string;
    try {
      const response = await fetch(`${this.#url()}/v1/ingest`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.#device.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(single ? wire[0] : { messages: wire }),
        signal: AbortSignal.timeout(15_000),
      });
      status = response.status;
      text = await response.text();
    } catch (error) {
      this.#unanswered += 1;
      const attempt: Attempt = { kind: 'unanswered', error: String(error) };
      return batch.map(() => attempt);
    }
    if (status < 200 || status > 299) {
      this.#refusals.push({ status, body: text });
      const attempt: Attempt = { kind: 'refused', status, body: text };
      return batch.map(() => attempt);
    }
    type Outcome = { id: string; duplicate: boolean };
    const body = JSON.parse(text) as Outcome | { results: Outcome[] };
    const outcomes = 'results' in body ? body.results : [body];
    if (outcomes.length !== batch.length) {
      throw new Error(`${batch.length} messages sent, ${outcomes.length} outcomes answered: ${text}`);
    }
    return outcomes.map((o) => ({ kind: 'acked', status, id: o.id, duplicate: o.duplicate }));
  }
}

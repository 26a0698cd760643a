import { guarded, type Store, transact } from '../../store/store.js';

interface Downtime {
  readonly from: number;
  readonly to: number;
}

/** Gaps shorter than this between the last sign of life and a start are not downtime. */
const NOISE_MS = 1_000;

/**
 * The silence clock: wall time less the time no Fleetport server ran. A device's silence
 * is measured on it, so a server's own downtime never counts against its devices (their
 * uplinks could not be received). Each scan writes a sign of life (`silence_clock`); a
 * start records the gap since the last one as a downtime (`silence_downtimes`), read by
 * every process. docs/ALERTS.md, "Silent devices".
 */
export class SilenceClock {
  #downtimes: readonly Downtime[] = [];

  /** Records the downtime that ended with this start, if any, and reads every downtime. */
  static async open(store: Store, now: number): Promise<SilenceClock> {
    const clock = new SilenceClock();
    await guarded(store, () =>
      transact(store, async (tx) => {
        const row = await tx.db
          .selectFrom('silence_clock')
          .select('alive_at')
          .where('id', '=', 1)
          .executeTakeFirst();
        const aliveAt = row === undefined ? undefined : Number(row.alive_at);
        if (aliveAt !== undefined && now - aliveAt > NOISE_MS) {
          await tx.db
            .insertInto('silence_downtimes')
            .values({ from_at: aliveAt, to_at: now })
            .onConflict((oc) => oc.column('from_at').doNothing())
            .execute();
        }
        await SilenceClock.#writeAlive(tx, now);
      }),
    );
    await clock.reload(store);
    return clock;
  }

  static async #writeAlive(store: Store, now: number): Promise<void> {
    await store.db
      .insertInto('silence_clock')
      .values({ id: 1, alive_at: now })
      .onConflict((oc) => oc.column('id').doUpdateSet({ alive_at: now }))
      .execute();
  }

  /** A sign of life (each scan, and at shutdown), and the downtimes other processes recorded. */
  async beat(store: Store, now: number): Promise<void> {
    await guarded(store, () => SilenceClock.#writeAlive(store, now));
    await this.reload(store);
  }

  async reload(store: Store): Promise<void> {
    const rows = await guarded(store, () =>
      store.db.selectFrom('silence_downtimes').select(['from_at', 'to_at']).orderBy('from_at').execute(),
    );
    this.#downtimes = rows.map((row) => ({ from: Number(row.from_at), to: Number(row.to_at) }));
  }

  /** The silence clock at wall time `t`: `t` less the downtime before it. */
  aliveTime(t: number): number {
    let off = 0;
    for (const { from, to } of this.#downtimes) {
      if (t >= to) off += to - from;
      else if (t > from) off += t - from;
    }
    return t - off;
  }

  /** The first wall time at which the silence clock reads `alive` (for showing due times). */
  wallTime(alive: number): number {
    let wall = alive;
    for (const { from, to } of this.#downtimes) if (wall >= from) wall += to - from;
    return wall;
  }
}

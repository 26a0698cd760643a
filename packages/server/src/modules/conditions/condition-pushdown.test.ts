import { expect, it } from 'vitest';
import { describeEachDialect, suiteStore } from '../../../test/support/dialect-suites.js';
import { seedTenantWithTypes } from '../../../test/support/seed.js';
import { insertDevicesIn, type NewDeviceRow } from '../devices/device-store.js';
import { compileCondition, type DeviceFacts } from './condition-compiler.js';
import { pushDown } from './condition-pushdown.js';

/*
 * Property test: over one generated fleet, the devices the pushed-down SQL returns always
 * include every device the condition matches in process, and equal them when the push-down
 * says it is exact. Conditions are generated from atoms SQL can answer, atoms it cannot, and
 * &&, ||, ! and ?: over them; both dialects run the same ones.
 */

const NOW = Date.UTC(2026, 0, 15, 12);
const HOUR = 3_600_000;

/** Mulberry32: a small seeded generator, so a failure repeats. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(rand: () => number, items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;

const TYPES = ['tracker', 'meter', 'Tracker'];
const NAMES = ['North gate', 'Ñandú', '名前 7', '', 'tracker 10', 'zeta'];
const SITES = ['paris', 'lyon', 'PARIS', '', 'par'];

function attributesFor(rand: () => number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const fw = pick(rand, [2, 2.1, 2.5, 3, '2.1', -1, null, undefined, Number('2747584281853550600'), 1.5e300]);
  if (fw !== undefined) out.fw = fw;
  const model = pick(rand, ['T1', 'T2', 'T3', 7, undefined, 'x"y']);
  if (model !== undefined) out.model = model;
  const active = pick(rand, [true, false, 'true', 1, undefined]);
  if (active !== undefined) out.active = active;
  const nested = pick(rand, [{ level: 3 }, { level: 1 }, { level: '3' }, [1, 2], 'flat', undefined]);
  if (nested !== undefined) out.nested = nested;
  if (rand() < 0.5) out.list = [1, 2, 3].slice(0, Math.floor(rand() * 4));
  return out;
}

interface Fleet {
  readonly rows: NewDeviceRow[];
  readonly seen: Map<string, number>;
}

function makeFleet(tenant: string, size: number, seed: number): Fleet {
  const rand = random(seed);
  const rows: NewDeviceRow[] = [];
  const seen = new Map<string, number>();
  for (let i = 0; i < size; i++) {
    const id = `d${String(i).padStart(4, '0')}`;
    const tags: Record<string, string> = {};
    const site = pick(rand, [...SITES, undefined]);
    if (site !== undefined) tags.site = site;
    if (rand() < 0.4) tags.zone = pick(rand, ['a', 'b']);
    if (rand() < 0.5) tags.fw = pick(rand, ['2.1', '3.0', '1']);
    rows.push({
      tenant_id: tenant,
      id,
      type_id: pick(rand, TYPES),
      name: pick(rand, NAMES),
      tags: JSON.stringify(tags),
      attributes: JSON.stringify(attributesFor(rand)),
      version: 1,
      created_at: 1,
      updated_at: 1,
      deleted_at: null,
      lifecycle: pick(rand, ['manufactured', 'activated', 'activated', 'retired']),
    });
    const when = pick(rand, [null, NOW - HOUR / 2, NOW - 3 * HOUR, NOW - 48 * HOUR, NOW + HOUR]);
    if (when !== null) seen.set(id, when);
  }
  return { rows, seen };
}

const PUSHABLE = [
  'id == "d0007"',
  'id < "d0100"',
  'id >= "d0150"',
  '"d0200" > id',
  'id.startsWith("d01")',
  'id.endsWith("7")',
  'id.contains("12")',
  'id in ["d0001", "d0002", "d0300"]',
  'id in []',
  'type == "tracker"',
  'type != "meter"',
  'type > "m"',
  'type in ["tracker", "Tracker"]',
  'name == "Ñandú"',
  'name != ""',
  'name.startsWith("名")',
  'name.contains("a")',
  'name.endsWith("")',
  'lifecycle == "activated"',
  'lifecycle != "retired"',
  'lifecycle in ["manufactured", "retired"]',
  'lifecycle < "m"',
  'tags.site == "paris"',
  'tags["site"] != "lyon"',
  '"paris" == tags.site',
  'has(tags.zone)',
  '"zone" in tags',
  'tags.site in ["paris", "PARIS"]',
  'tags.site.startsWith("par")',
  'tags.fw.endsWith("1")',
  'tags.site.contains("")',
  'attributes.fw >= 2',
  'attributes.fw < 2.5',
  'attributes.fw == 2',
  '2.1 == attributes.fw',
  'attributes.fw > -2',
  'attributes.fw <= 2747584281853550600.0',
  'attributes.fw >= 2747584281853550600.0',
  'attributes.model == "T1"',
  'attributes.model in ["T1", "T3"]',
  'attributes.model.startsWith("T")',
  'attributes.active == true',
  'attributes.active == false',
  'has(attributes.model)',
  '"fw" in attributes',
  'has(attributes.nested.level)',
  'attributes.nested.level > 1',
  'attributes["nested"]["level"] == 3',
  'lastSeen > now - duration("1h")',
  'lastSeen < timestamp("2026-01-14T00:00:00Z")',
  'now - duration("4h") <= lastSeen',
  'lastSeen == timestamp("1970-01-01T00:00:00Z")',
  'true',
  'false',
];

const IN_PROCESS = [
  'size(tags) > 1',
  'attributes.list.exists(x, x == 2)',
  'size(name) > 5',
  'attributes.fw != 2',
  'tags.site < "m"',
  'name > "N"',
  'attributes.model == tags.site',
  'reported.interval == 600',
];

function generate(rand: () => number, depth: number): string {
  const r = rand();
  if (depth === 0 || r < 0.3) return rand() < 0.8 ? pick(rand, PUSHABLE) : pick(rand, IN_PROCESS);
  if (r < 0.55) return `(${generate(rand, depth - 1)} && ${generate(rand, depth - 1)})`;
  if (r < 0.8) return `(${generate(rand, depth - 1)} || ${generate(rand, depth - 1)})`;
  if (r < 0.93) return `!(${generate(rand, depth - 1)})`;
  return `(${generate(rand, depth - 1)} ? ${generate(rand, depth - 1)} : ${generate(rand, depth - 1)})`;
}

function factsOf(fleet: Fleet): DeviceFacts[] {
  return fleet.rows.map((row) => ({
    id: row.id,
    typeId: row.type_id,
    name: row.name,
    tags: JSON.parse(row.tags) as Record<string, string>,
    attributes: JSON.parse(row.attributes) as Record<string, unknown>,
    lifecycle: row.lifecycle ?? 'manufactured',
    lastSeenAt: fleet.seen.get(row.id) ?? null,
  }));
}

describeEachDialect('condition push-down', (dialect) => {
  const db = suiteStore(dialect);
  const fleet = makeFleet('alpha', 320, 7);
  // The same ids in another tenant, every one of which would match a condition over ids alone.
  const other = makeFleet('beta', 320, 8);
  const facts = factsOf(fleet);

  async function pushedIds(source: string, tenantId = 'alpha'): Promise<{ ids: string[]; exact: boolean }> {
    const pushed = pushDown(compileCondition(source), { dialect: db.dialect, tenantId, now: NOW });
    const rows = await db.store.db
      .selectFrom('devices as d')
      .select('d.id')
      .where('d.tenant_id', '=', tenantId)
      .where(pushed.where)
      .orderBy('d.id')
      .execute();
    return { ids: rows.map((row) => row.id), exact: pushed.exact };
  }

  it('seeds the fleets', async () => {
    for (const [tenant, f] of [
      ['alpha', fleet],
      ['beta', other],
    ] as const) {
      await seedTenantWithTypes(db.store, tenant, Object.fromEntries(TYPES.map((t) => [t, {}])));
      await db.store.db.transaction().execute((trx) => insertDevicesIn(trx, f.rows));
      for (const [id, at] of f.seen) {
        await db.store.db
          .insertInto('device_state')
          .values({
            tenant_id: tenant,
            device_id: id,
            last_seen_at: at,
            last_message_id: 'm',
            seq_resets: 0,
            message_count: 1,
            duplicate_count: 0,
            out_of_order_count: 0,
          })
          .execute();
      }
    }
  });

  it.each(PUSHABLE)('pushes %s down exactly', async (source) => {
    const condition = compileCondition(source);
    const expected = facts.filter((f) => condition.matches(f, NOW)).map((f) => f.id);
    const { ids, exact } = await pushedIds(source);
    if (exact) expect(ids).toEqual(expected);
    else expect(ids).toEqual(expect.arrayContaining(expected));
    // Every atom here narrows something: a push-down that returned the whole fleet for it would be useless.
    if (source !== 'true' && source !== 'name.endsWith("")') expect(ids.length).toBeLessThan(facts.length);
  });

  it('returns a superset of the matches for 400 generated conditions, and exactly them when exact', async () => {
    const rand = random(2026);
    let exactCount = 0;
    for (let i = 0; i < 400; i++) {
      const source = generate(rand, 3);
      const condition = compileCondition(source);
      const expected = facts.filter((f) => condition.matches(f, NOW)).map((f) => f.id);
      const { ids, exact } = await pushedIds(source);
      const missing = expected.filter((id) => !ids.includes(id));
      expect({ source, missing }).toEqual({ source, missing: [] });
      if (exact) {
        exactCount++;
        expect({ source, ids }).toEqual({ source, ids: expected });
      }
    }
    // The generator must exercise both paths.
    expect(exactCount).toBeGreaterThan(40);
    expect(exactCount).toBeLessThan(400);
  });

  it('never returns another tenant’s devices', async () => {
    const { ids } = await pushedIds('id.startsWith("d") || true', 'gamma');
    expect(ids).toEqual([]);
    const beta = await pushedIds('has(tags.site) || lastSeen > now - duration("1h")', 'beta');
    const betaFacts = factsOf(other);
    const condition = compileCondition('has(tags.site) || lastSeen > now - duration("1h")');
    expect(beta.ids).toEqual(betaFacts.filter((f) => condition.matches(f, NOW)).map((f) => f.id));
  });
});

import { describe, expect, it } from 'vitest';
import { AppError } from '../../kernel/errors.js';
import { compileCondition, type DeviceFacts, positionOf } from './condition-compiler.js';
import { CONDITION_LIMITS } from './condition-environment.js';

const NOW = Date.UTC(2026, 0, 15, 12);

const tracker: DeviceFacts = {
  id: 'TRK-001',
  typeId: 'tracker',
  name: 'Tracker one',
  tags: { site: 'paris', fw: '2.1' },
  attributes: { firmware: 2.3, model: 'T1', nested: { level: 3 }, active: true, list: [1, 2, 3] },
  lifecycle: 'activated',
  lastSeenAt: NOW - 30 * 60_000,
};

function problemOf(source: string): AppError {
  try {
    compileCondition(source);
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error(`expected '${source}' to be refused`);
}

describe('compileCondition', () => {
  it.each([
    ['type == "tracker"', true],
    ['type == "meter"', false],
    ['id == "TRK-001" && name.startsWith("Tracker")', true],
    ['tags.site == "paris" && tags["fw"] == "2.1"', true],
    ['"site" in tags && !("zone" in tags)', true],
    ['has(tags.site) && !has(tags.zone)', true],
    ['attributes.firmware >= 2.1 && attributes.model in ["T1", "T2"]', true],
    ['attributes.nested.level == 3 && attributes.active', true],
    ['attributes.list.exists(x, x == 2)', true],
    ['lastSeen > now - duration("1h")', true],
    ['lastSeen < now - duration("10m")', true],
    ['lastSeen > timestamp("2027-01-01T00:00:00Z")', false],
    ['type == "tracker" ? tags.site == "paris" : false', true],
    ['reported.interval == 600', false],
    ['lifecycle == "activated"', true],
    ['lifecycle in ["retired", "suspended"]', false],
  ])('evaluates %s to %s', (source, expected) => {
    expect(compileCondition(source).matches(tracker, NOW)).toBe(expected);
  });

  it('treats a missing key as no match, whatever the negation', () => {
    expect(compileCondition('tags.zone == "a"').matches(tracker, NOW)).toBe(false);
    expect(compileCondition('!(tags.zone == "a")').matches(tracker, NOW)).toBe(false);
    // CEL's || absorbs an error when the other side is true.
    expect(compileCondition('tags.zone == "a" || type == "tracker"').matches(tracker, NOW)).toBe(true);
  });

  it('gives a device never seen the epoch as lastSeen', () => {
    const never = { ...tracker, lastSeenAt: null };
    expect(compileCondition('lastSeen == timestamp("1970-01-01T00:00:00Z")').matches(never, NOW)).toBe(true);
    expect(compileCondition('lastSeen < now - duration("24h")').matches(never, NOW)).toBe(true);
  });

  it('reads provided variables such as reported', () => {
    const withTwin = { ...tracker, provided: { reported: { interval: 600 }, desired: { interval: 300 } } };
    expect(
      compileCondition('reported.interval == 600 && desired.interval == 300').matches(withTwin, NOW),
    ).toBe(true);
  });

  it('lists the variables a condition names, by their public names', () => {
    expect([...compileCondition('type == "a" && tags.x == "b" || reported.y == 1').variables].sort()).toEqual(
      ['reported', 'tags', 'type'],
    );
  });

  it('compiles each source once', () => {
    const source = 'type == "cached-once"';
    expect(compileCondition(source)).toBe(compileCondition(source));
  });

  it('refuses a syntax error with invalid_condition, its line and column', () => {
    const error = problemOf('type == "a" &&\n  tags.site ==');
    expect(error.code).toBe('invalid_condition');
    expect(error.status).toBe(400);
    expect(error.data).toMatchObject({ field: 'where', problem: 'syntax', line: 2, column: 15, offset: 29 });
    expect(error.message).toMatch(/line 2, column 15/);
  });

  it('refuses a type error at the position of the operator', () => {
    const error = problemOf('id == "a" && attributes.x == 1 && type == 3');
    expect(error.data).toMatchObject({ problem: 'type', line: 1, column: 35 });
    expect(error.message).toContain('string == int');
    expect(error.message).not.toContain('__device_type');
  });

  it('refuses an unknown variable, naming it and where it is', () => {
    const error = problemOf('type == "a" &&\nfirmware > 2');
    expect(error.data).toMatchObject({ problem: 'unknown_variable', line: 2, column: 1 });
    expect(error.message).toContain('firmware');
  });

  it('refuses the engine name of type as an unknown variable', () => {
    expect(problemOf('__device_type == "a"').data).toMatchObject({ problem: 'unknown_variable' });
  });

  it('refuses a condition that is not a bool', () => {
    expect(problemOf('name').data).toMatchObject({ problem: 'not_boolean' });
    expect(problemOf('   ').data).toMatchObject({ problem: 'syntax' });
  });

  it('refuses conditions over the length, size and nesting limits', () => {
    const long = `id == "${'a'.repeat(CONDITION_LIMITS.maxLength)}"`;
    expect(problemOf(long).data).toMatchObject({ problem: 'limit', column: CONDITION_LIMITS.maxLength + 1 });
    const wide = Array.from({ length: 100 }, (_, i) => `id == "${i}"`).join(' || ');
    expect(wide.length).toBeLessThan(CONDITION_LIMITS.maxLength);
    expect(problemOf(wide).data).toMatchObject({ problem: 'limit' });
    const deep = `${'('.repeat(40)}true${')'.repeat(40)}`;
    expect(problemOf(deep).data).toMatchObject({ problem: 'limit' });
    const nested = 'attributes.list.exists(x, attributes.list.exists(y, x == y))';
    expect(problemOf(nested).data).toMatchObject({ problem: 'limit', column: 27 });
  });

  it('refuses matches(), whose regular expressions could backtrack for ever', () => {
    expect(problemOf('name.matches("^(a+)+$")').data).toMatchObject({ problem: 'unsupported' });
  });

  it('counts lines and columns from 1', () => {
    expect(positionOf('ab\ncd', 0)).toEqual({ offset: 0, line: 1, column: 1 });
    expect(positionOf('ab\ncd', 4)).toEqual({ offset: 4, line: 2, column: 2 });
    expect(positionOf('ab', 99)).toEqual({ offset: 2, line: 1, column: 3 });
  });
});

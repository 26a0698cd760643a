import { describe, expect, it } from 'vitest';
import { EXTENSIBLE_CONSTRUCTORS, sourceTraits } from './source-traits.js';

describe('sourceTraits', () => {
  it('names the prototypes a codec writes to, by assignment, definition or alias', () => {
    const source = `
      Array.prototype.sum = function () {};
      String.prototype['pad'] ||= function () {};
      Object.defineProperty(Number.prototype, 'x', { value: 1 });
      var DP = Date.prototype;
      if (Object.prototype.hasOwnProperty.call(a, 'b') && Map.prototype.size === 0) {}`;
    expect(sourceTraits(source).extendedPrototypes).toEqual(['Array', 'String', 'Number', 'Date']);
  });

  it('makes every prototype extensible when one is reached without naming its constructor', () => {
    for (const source of [
      '[].__proto__.x = 1',
      'Object.getPrototypeOf([]).x = 1',
      'x.constructor.prototype.y = 1',
    ]) {
      expect(sourceTraits(source).extendedPrototypes, source).toEqual([...EXTENSIBLE_CONSTRUCTORS]);
    }
  });

  it('leaves a codec that only reads built-ins with none, and sees whether it reaches the global object', () => {
    const plain = sourceTraits(
      'function decodeUplink(input) { return { data: Object.prototype.toString.call(input) === "x" }; }',
    );
    expect(plain).toEqual({ extendedPrototypes: [], reachesGlobalObject: false });
    for (const source of ['this.helper()', 'globalThis.x', "Function('return this')()", 'self.x']) {
      expect(sourceTraits(source).reachesGlobalObject, source).toBe(true);
    }
  });
});

/**
 * What a codec's source text says about the realm it needs, read once when it is compiled.
 *
 * Why from the text: the realm's costly features (built-in prototypes that can be extended
 * and must be checked after every call; top-level declarations mirrored on the global
 * object) are given only to codecs that show signs of using them, so the others keep the
 * fast realm. Isolation never depends on this reading: a codec it misses runs in the frozen
 * realm, where what it tries fails as it always did, and whatever it is given is undone
 * after every call.
 */
export interface SourceTraits {
  /** Global constructors whose `prototype` the codec may add properties to. */
  readonly extendedPrototypes: readonly ExtensibleConstructor[];
  /** The codec may reach the global object (`this`, `globalThis`, `self` …) and look its own declarations up there. */
  readonly reachesGlobalObject: boolean;
}

/** The built-in constructors whose prototypes a codec may extend. */
export const EXTENSIBLE_CONSTRUCTORS = [
  'Object',
  'Array',
  'String',
  'Number',
  'Boolean',
  'Function',
  'Date',
  'RegExp',
  'Error',
  'Map',
  'Set',
  'ArrayBuffer',
  'DataView',
  'Uint8Array',
] as const;
export type ExtensibleConstructor = (typeof EXTENSIBLE_CONSTRUCTORS)[number];

const NAMES = EXTENSIBLE_CONSTRUCTORS.join('|');
/** `Array.prototype.sum = …`, `Array.prototype['sum'] = …`, compound assignments too. */
const ASSIGNED = new RegExp(
  `\\b(${NAMES})\\s*\\.\\s*prototype\\s*(?:\\.\\s*[A-Za-z_$][\\w$]*|\\[[^\\]\\n]*\\])\\s*(?:[-+*/%&|^]|\\*\\*|<<|>>>?|\\?\\?|\\|\\||&&)?=(?!=)`,
  'g',
);
/** `Object.defineProperty(Array.prototype, …)`, `Object.assign(String.prototype, …)`, `Reflect.set(…)`. */
const DEFINED = new RegExp(
  `\\b(?:defineProperty|defineProperties|assign|set)\\s*\\(\\s*(${NAMES})\\s*\\.\\s*prototype\\b`,
  'g',
);
/** `var AP = Array.prototype;`: an alias, through which it may be extended. */
const ALIASED = new RegExp(`=\\s*(${NAMES})\\s*\\.\\s*prototype\\s*(?:[;,)\\n]|$)`, 'gm');
/** Prototypes reached without naming their constructor: any of them may be extended. */
const ANY_PROTOTYPE = /__proto__|\b[gs]etPrototypeOf\b|\bconstructor\s*\.\s*prototype\b/;
const GLOBAL_OBJECT = /\bthis\b|\bglobalThis\b|\bself\b|\bwindow\b|\bglobal\b|\beval\b|\bFunction\b/;

/** Reads a codec's source for the traits above; cheap (a few regular expressions). */
export function sourceTraits(source: string): SourceTraits {
  const extended = new Set<ExtensibleConstructor>();
  if (ANY_PROTOTYPE.test(source)) {
    for (const name of EXTENSIBLE_CONSTRUCTORS) extended.add(name);
  } else {
    for (const pattern of [ASSIGNED, DEFINED, ALIASED]) {
      for (const match of source.matchAll(pattern)) extended.add(match[1] as ExtensibleConstructor);
    }
  }
  return {
    extendedPrototypes: EXTENSIBLE_CONSTRUCTORS.filter((name) => extended.has(name)),
    reachesGlobalObject: GLOBAL_OBJECT.test(source),
  };
}

const NO_ENTRIES: ReadonlyMap<never, never> = new Map<never, never>();
const NO_MEMBERS: ReadonlySet<never> = new Set<never>();

/**
 * A Map created on its first entry. Most connections never use most of their session's
 * collections (an idle device has no subscription, nothing in flight, no waiters), and
 * an empty Map costs ~200 bytes of heap.
 */
export class LazyMap<K, V> implements Iterable<[K, V]> {
  #map: Map<K, V> | undefined;

  get size(): number {
    return this.#map?.size ?? 0;
  }

  get(key: K): V | undefined {
    return this.#map?.get(key);
  }

  has(key: K): boolean {
    return this.#map?.has(key) ?? false;
  }

  set(key: K, value: V): this {
    this.#map ??= new Map();
    this.#map.set(key, value);
    return this;
  }

  delete(key: K): boolean {
    return this.#map?.delete(key) ?? false;
  }

  clear(): void {
    this.#map = undefined;
  }

  keys(): MapIterator<K> {
    return (this.#map ?? (NO_ENTRIES as ReadonlyMap<K, V>)).keys();
  }

  values(): MapIterator<V> {
    return (this.#map ?? (NO_ENTRIES as ReadonlyMap<K, V>)).values();
  }

  [Symbol.iterator](): MapIterator<[K, V]> {
    return (this.#map ?? (NO_ENTRIES as ReadonlyMap<K, V>)).entries();
  }
}

/** A Set created on its first member (see LazyMap). */
export class LazySet<T> implements Iterable<T> {
  #set: Set<T> | undefined;

  get size(): number {
    return this.#set?.size ?? 0;
  }

  has(value: T): boolean {
    return this.#set?.has(value) ?? false;
  }

  add(value: T): this {
    this.#set ??= new Set();
    this.#set.add(value);
    return this;
  }

  delete(value: T): boolean {
    return this.#set?.delete(value) ?? false;
  }

  clear(): void {
    this.#set = undefined;
  }

  [Symbol.iterator](): SetIterator<T> {
    return (this.#set ?? (NO_MEMBERS as ReadonlySet<T>)).values();
  }
}

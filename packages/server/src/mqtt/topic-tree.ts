/** One node per topic level; plain and shared subscribers hang on the node of their filter's last level. */
class TreeNode<V> {
  readonly children = new Map<string, TreeNode<V>>();
  /** Plain subscriptions, by subscriber key. */
  plain: Map<string, V> | undefined;
  /** Shared subscriptions, by share name, then subscriber key. */
  shared: Map<string, Map<string, V>> | undefined;
  /** The filter this node ends, set when a subscription is added here. */
  filter = '';

  isEmpty(): boolean {
    return this.children.size === 0 && this.plain === undefined && this.shared === undefined;
  }
}

/** What `match` reports: plain subscribers one by one, shared groups whole (the caller picks one member). */
export interface MatchVisitor<V> {
  plain(key: string, value: V): void;
  shared(group: string, filter: string, members: ReadonlyMap<string, V>): void;
}

/**
 * The subscription tree of one tenant: topic filters split by level, so a PUBLISH is
 * matched by walking only the levels of its topic, whatever the number of subscriptions.
 * A subscriber holds at most one subscription per filter (and share name), so adding the
 * same filter again replaces it [MQTT-3.8.4-3].
 */
export class TopicTree<V> {
  readonly #root = new TreeNode<V>();
  #size = 0;

  /** Number of subscriptions in the tree. */
  get size(): number {
    return this.#size;
  }

  /** Adds or replaces `key`'s subscription to `filter` (in share `group` when given). Returns true when it is new. */
  add(filter: string, key: string, value: V, group?: string): boolean {
    let node = this.#root;
    for (const level of filter.split('/')) {
      let child = node.children.get(level);
      if (child === undefined) {
        child = new TreeNode<V>();
        node.children.set(level, child);
      }
      node = child;
    }
    node.filter = filter;
    let members: Map<string, V>;
    if (group === undefined) {
      node.plain ??= new Map();
      members = node.plain;
    } else {
      node.shared ??= new Map();
      let shared = node.shared.get(group);
      if (shared === undefined) {
        shared = new Map();
        node.shared.set(group, shared);
      }
      members = shared;
    }
    const isNew = !members.has(key);
    members.set(key, value);
    if (isNew) this.#size++;
    return isNew;
  }

  /** Removes `key`'s subscription to `filter`; returns whether there was one. */
  remove(filter: string, key: string, group?: string): boolean {
    const path: TreeNode<V>[] = [this.#root];
    const levels = filter.split('/');
    let node = this.#root;
    for (const level of levels) {
      const child = node.children.get(level);
      if (child === undefined) return false;
      node = child;
      path.push(node);
    }
    let removed = false;
    if (group === undefined) {
      removed = node.plain?.delete(key) ?? false;
      if (node.plain?.size === 0) node.plain = undefined;
    } else {
      const shared = node.shared?.get(group);
      removed = shared?.delete(key) ?? false;
      if (shared?.size === 0) node.shared?.delete(group);
      if (node.shared?.size === 0) node.shared = undefined;
    }
    if (removed) this.#size--;
    // Prune empty nodes so that a churn of unique filters does not grow the tree forever.
    for (let i = levels.length; i > 0; i--) {
      const current = path[i];
      const parent = path[i - 1];
      if (current === undefined || parent === undefined || !current.isEmpty()) break;
      parent.children.delete(levels[i - 1] ?? '');
    }
    return removed;
  }

  /** Visits every subscription whose filter matches `topic`. */
  match(topic: string, visitor: MatchVisitor<V>): void {
    const levels = topic.split('/');
    // Wildcards at the first level do not match `$` topics [MQTT-4.7.2-1].
    const dollar = topic.charCodeAt(0) === 0x24;
    this.#walk(this.#root, levels, 0, dollar, visitor);
  }

  #walk(node: TreeNode<V>, levels: string[], index: number, dollar: boolean, visitor: MatchVisitor<V>): void {
    if (index === levels.length) {
      this.#emit(node, visitor);
      // `a/#` also matches `a`: the multi-level wildcard includes the parent level (§4.7.1.2).
      const hash = node.children.get('#');
      if (hash !== undefined) this.#emit(hash, visitor);
      return;
    }
    const exact = node.children.get(levels[index] ?? '');
    if (exact !== undefined) this.#walk(exact, levels, index + 1, dollar, visitor);
    if (dollar && index === 0) return;
    const plus = node.children.get('+');
    if (plus !== undefined) this.#walk(plus, levels, index + 1, dollar, visitor);
    const hash = node.children.get('#');
    if (hash !== undefined) this.#emit(hash, visitor);
  }

  #emit(node: TreeNode<V>, visitor: MatchVisitor<V>): void {
    if (node.plain !== undefined) for (const [key, value] of node.plain) visitor.plain(key, value);
    if (node.shared !== undefined)
      for (const [group, members] of node.shared) visitor.shared(group, node.filter, members);
  }
}

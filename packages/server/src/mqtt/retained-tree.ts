class RetainedNode<M> {
  readonly children = new Map<string, RetainedNode<M>>();
  message: M | undefined;
}

/**
 * The retained messages of one tenant, by topic level, so that a subscription finds its
 * retained messages by walking its filter instead of scanning every retained topic.
 */
export class RetainedTree<M> {
  readonly #root = new RetainedNode<M>();
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** Stores `message` as the retained message of `topic`, or removes it when undefined. */
  set(topic: string, message: M | undefined): void {
    const levels = topic.split('/');
    const path: RetainedNode<M>[] = [this.#root];
    let node = this.#root;
    for (const level of levels) {
      let child = node.children.get(level);
      if (child === undefined) {
        if (message === undefined) return;
        child = new RetainedNode<M>();
        node.children.set(level, child);
      }
      node = child;
      path.push(node);
    }
    if (node.message === undefined && message !== undefined) this.#size++;
    if (node.message !== undefined && message === undefined) this.#size--;
    node.message = message;
    if (message !== undefined) return;
    for (let i = levels.length; i > 0; i--) {
      const current = path[i];
      const parent = path[i - 1];
      if (current === undefined || parent === undefined) break;
      if (current.message !== undefined || current.children.size > 0) break;
      parent.children.delete(levels[i - 1] ?? '');
    }
  }

  /** The retained messages whose topic matches `filter`; wildcards at the first level skip `$` topics [MQTT-4.7.2-1]. */
  match(filter: string): M[] {
    const out: M[] = [];
    this.#walk(this.#root, filter.split('/'), 0, out);
    return out;
  }

  #walk(node: RetainedNode<M>, levels: string[], index: number, out: M[]): void {
    if (index === levels.length) {
      if (node.message !== undefined) out.push(node.message);
      return;
    }
    const level = levels[index] ?? '';
    if (level === '#') {
      // `a/#` matches `a` itself too.
      if (node.message !== undefined && index > 0) out.push(node.message);
      for (const [name, child] of node.children) {
        if (index === 0 && name.startsWith('$')) continue;
        this.#collect(child, out);
      }
      return;
    }
    if (level === '+') {
      for (const [name, child] of node.children) {
        if (index === 0 && name.startsWith('$')) continue;
        this.#walk(child, levels, index + 1, out);
      }
      return;
    }
    const child = node.children.get(level);
    if (child !== undefined) this.#walk(child, levels, index + 1, out);
  }

  #collect(node: RetainedNode<M>, out: M[]): void {
    if (node.message !== undefined) out.push(node.message);
    for (const child of node.children.values()) this.#collect(child, out);
  }
}

/** Maps a path inside the parsed YAML back to line and column, for diagnostics. */
import { type Document, isMap, isNode, isPair, isScalar, type LineCounter, type Node } from 'yaml';

export interface Position {
  readonly line: number;
  readonly column: number;
}

export class YamlPositions {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  at(offset: number): Position {
    const p = this.lines.linePos(offset);
    return { line: p.line, column: p.col };
  }

  /**
   * Position of the value at `path`; with `key`, of that key inside the map at `path`. Walks up to the
   * nearest existing node when the path does not exist (e.g. a missing required key → its parent map).
   */
  of(path: readonly PropertyKey[], key?: string): Position {
    for (let n = path.length; n >= 0; n--) {
      const node = this.doc.getIn(path.slice(0, n) as unknown[], true);
      if (!isNode(node)) continue;
      if (key !== undefined && n === path.length && isMap(node)) {
        const pair = node.items.find((it) => isPair(it) && isScalar(it.key) && it.key.value === key);
        if (pair && isNode(pair.key) && pair.key.range) return this.at(pair.key.range[0]);
      }
      return this.nodeStart(node);
    }
    return { line: 1, column: 1 };
  }

  /** Position of the key `path[-1]` in its parent map (for "this key is wrong" findings). */
  keyOf(path: readonly PropertyKey[]): Position {
    const last = path.at(-1);
    if (typeof last === 'string') return this.of(path.slice(0, -1), last);
    return this.of(path);
  }

  private nodeStart(node: Node): Position {
    return node.range ? this.at(node.range[0]) : { line: 1, column: 1 };
  }
}

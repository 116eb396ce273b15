/** A parsed YAML config file that can say on which line a key sits. */
import { readFileSync } from 'node:fs';
import { isMap, isScalar, LineCounter, type Node, parseDocument } from 'yaml';
import { ConfigError, type ConfigIssue } from './errors';

export interface YamlSource {
  readonly file: string;
  readonly data: Record<string, unknown>;
  /** Line/column of the deepest node along `path`, and how many path segments matched. */
  locate(path: readonly (string | number)[], preferKey: boolean): { line: number; column: number; depth: number };
}

export function readYamlSource(file: string, displayName = file): YamlSource {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([
      {
        path: '',
        message: `cannot read config file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
        source: { kind: 'file', file: displayName },
      },
    ]);
  }
  return parseYamlSource(text, displayName);
}

export function parseYamlSource(text: string, file: string): YamlSource {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) {
    const issues: ConfigIssue[] = doc.errors.map((e) => {
      const pos = e.linePos?.[0] ?? lc.linePos(e.pos[0]);
      return {
        path: '',
        message: `invalid YAML: ${e.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '')}`,
        source: { kind: 'file', file, line: pos.line, column: pos.col },
      };
    });
    throw new ConfigError(issues);
  }
  const data: unknown = doc.toJS() ?? {};
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ConfigError([
      {
        path: '',
        message: 'expected a mapping of keys at the top level',
        source: { kind: 'file', file, line: 1, column: 1 },
      },
    ]);
  }
  const pos = (offset: number | undefined) => lc.linePos(offset ?? 0);
  return {
    file,
    data: data as Record<string, unknown>,
    locate(path, preferKey) {
      let node: Node | null = doc.contents;
      let at = pos(node?.range?.[0]);
      let depth = 0;
      for (const seg of path) {
        if (isMap(node)) {
          const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === seg);
          if (!pair) break;
          depth++;
          const isLast = depth === path.length;
          const keyNode = pair.key as Node | null;
          const valNode = pair.value as Node | null;
          at = pos(
            (isLast && preferKey ? keyNode?.range?.[0] : (valNode?.range?.[0] ?? keyNode?.range?.[0])) ?? undefined,
          );
          node = valNode;
        } else if (
          node &&
          'items' in node &&
          Array.isArray((node as { items: unknown[] }).items) &&
          typeof seg === 'number'
        ) {
          const item = (node as { items: Node[] }).items[seg];
          if (!item) break;
          depth++;
          at = pos(item.range?.[0]);
          node = item;
        } else break;
      }
      return { line: at.line, column: at.col, depth };
    },
  };
}

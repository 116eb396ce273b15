import { readFileSync } from 'node:fs';
import { isMap, isScalar, type Node, parseDocument, type YAMLMap } from 'yaml';
import { configSchema, DEFAULTS_FILE } from '../../src/config';
import { objectShape } from '../../src/config/env';

/** Every key path in default.yaml, with whether a comment documents it. */
/** Keys inside a one-line flow map (`{ max: 5, windowSeconds: 300 }`) share the comment of the key that holds it. */
function documentedKeys(map: YAMLMap, prefix: string[] = [], out: Map<string, boolean> = new Map(), inherited = false) {
  map.items.forEach((pair, i) => {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    const path = [...prefix, key];
    const keyNode = pair.key as Node & { commentBefore?: string | null };
    const value = pair.value as (Node & { commentBefore?: string | null; comment?: string | null }) | null;
    const documented = Boolean(
      inherited ||
        keyNode.commentBefore ||
        (i === 0 && (map as YAMLMap & { commentBefore?: string | null }).commentBefore) ||
        value?.comment,
    );
    out.set(path.join('.'), documented);
    if (isMap(value)) documentedKeys(value, path, out, Boolean(value.flow) && documented);
  });
  return out;
}

function schemaKeys(shape: ReturnType<typeof objectShape>, prefix: string[] = [], out: string[] = []) {
  for (const [k, v] of Object.entries(shape ?? {})) {
    out.push([...prefix, k].join('.'));
    const inner = objectShape(v);
    if (inner) schemaKeys(inner, [...prefix, k], out);
  }
  return out;
}

describe('config/default.yaml', () => {
  const doc = parseDocument(readFileSync(DEFAULTS_FILE, 'utf8'));
  const keys = documentedKeys(doc.contents as YAMLMap);

  it('sets every key of the schema (so it is the complete reference)', () => {
    const missing = schemaKeys(objectShape(configSchema)).filter((k) => !keys.has(k));
    expect(missing).toEqual([]);
  });

  it('documents every key with a comment (a leaf, or the section it opens)', () => {
    const undocumented = [...keys].filter(([, documented]) => !documented).map(([k]) => k);
    expect(undocumented).toEqual([]);
  });
});

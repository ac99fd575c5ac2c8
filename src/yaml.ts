/**
 * The only module that talks to the `yaml` library. Everything else in wf-fix
 * works with the small surface re-exported here, so a future `yaml` major
 * (3.x drops getIn/setIn) is a change in one file.
 *
 * Parsing is always YAML 1.2 core schema: `on` stays the string key "on".
 */
import {
  Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  parseAllDocuments,
  Scalar,
  stringify,
  YAMLMap,
  YAMLSeq,
  type Node as YamlNode,
  type Pair,
  type ParsedNode,
} from 'yaml';
import { positionFinder } from './workflow/lines.js';

export { isAlias, isMap, isPair, isScalar, isSeq, Scalar, YAMLMap, YAMLSeq };
export type { YamlNode, Pair, ParsedNode, Document };

export interface YamlProblem {
  message: string;
  /** 1-based line and column, when the parser gave a position. */
  line?: number;
  column?: number;
  code?: string;
}

export interface ParsedYaml {
  /** Documents in the stream (a workflow has exactly one). */
  docs: Document.Parsed[];
  errors: YamlProblem[];
  warnings: YamlProblem[];
}

const PARSE_OPTIONS = {
  version: '1.2' as const,
  schema: 'core' as const,
  /** Checked by duplicateKeys() in linear time (yaml's own check is quadratic per mapping). */
  uniqueKeys: false,
  prettyErrors: true,
  strict: true,
  /** Bound alias expansion ("billion laughs"): toJS refuses beyond this. */
  maxAliasCount: 100,
  keepSourceTokens: false,
};

function toProblem(e: { message: string; linePos?: [{ line: number; col: number }, ...unknown[]]; code?: string }): YamlProblem {
  const pos = e.linePos?.[0];
  const first = e.message.split('\n')[0] ?? e.message;
  return { message: first, line: pos?.line, column: pos?.col, code: e.code };
}

/** Parse a whole YAML stream with source ranges kept on every node. */
export function parseYaml(text: string): ParsedYaml {
  const docs = parseAllDocuments(text, PARSE_OPTIONS);
  const list = (Array.isArray(docs) ? docs : [docs]) as Document.Parsed[];
  const errors: YamlProblem[] = [];
  const warnings: YamlProblem[] = [];
  if (!Array.isArray(docs)) {
    // An EmptyStream carries its own errors (e.g. unexpected end).
    for (const e of (docs as { errors?: unknown[] }).errors ?? []) errors.push(toProblem(e as never));
  }
  for (const d of list) {
    const dup = d.errors.length ? undefined : duplicateKey(d.contents);
    if (dup) errors.push({ message: `Map keys must be unique (${dup.key} repeated)`, ...positionFinder(text)(dup.offset), code: 'DUPLICATE_KEY' });
    for (const e of d.errors) errors.push(toProblem(e as never));
    for (const w of d.warnings) warnings.push(toProblem(w as never));
  }
  return { docs: list, errors, warnings };
}

/** The first key repeated in a mapping (scalar keys compared by value), found without recursion. */
function duplicateKey(root: unknown): { offset: number; key: string } | undefined {
  const stack: unknown[] = [root];
  while (stack.length) {
    const node = stack.pop();
    if (isSeq(node)) {
      for (const item of node.items) stack.push(item);
    } else if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        if (isScalar(pair.key)) {
          const v = pair.key.value;
          const k = `${typeof v}:${String(v)}`;
          if (seen.has(k)) return { offset: pair.key.range?.[0] ?? 0, key: JSON.stringify(String(v)).slice(0, 60) };
          seen.add(k);
        }
        stack.push(pair.value);
      }
    }
  }
  return undefined;
}

/** Plain JS value of a parsed document (aliases bounded by maxAliasCount). */
export function toPlain(doc: Document.Parsed): unknown {
  return doc.toJS({ maxAliasCount: PARSE_OPTIONS.maxAliasCount });
}

/** Serialise one scalar the way a human would write it in a block mapping. */
export function scalarText(value: string | number | boolean | null): string {
  if (value === null) return 'null';
  if (typeof value !== 'string') return String(value);
  // yaml's stringify builds a document per call; fixes render the same names and values file after file.
  let out = renderedScalars.get(value);
  if (out === undefined) {
    out = stringify(value, { lineWidth: 0, minContentWidth: 0 }).replace(/\n$/, '');
    if (renderedScalars.size >= RENDERED_MAX) renderedScalars.clear();
    renderedScalars.set(value, out);
  }
  return out;
}

const renderedScalars = new Map<string, string>();
const RENDERED_MAX = 10_000;

/** Node range start (inclusive). */
export function startOf(node: YamlNode | null | undefined): number | undefined {
  return node?.range?.[0];
}

/** End of the node's value (exclusive), before any trailing comment. */
export function valueEndOf(node: YamlNode | null | undefined): number | undefined {
  return node?.range?.[1];
}

export function getPair(map: unknown, key: string): Pair<Scalar, YamlNode | null> | undefined {
  if (!isMap(map)) return undefined;
  for (const item of map.items) {
    if (isScalar(item.key) && item.key.value === key) return item as Pair<Scalar, YamlNode | null>;
  }
  return undefined;
}

export function getNode(map: unknown, key: string): YamlNode | null | undefined {
  return getPair(map, key)?.value ?? undefined;
}

/** String value of a scalar (numbers and booleans stringified), else undefined. */
export function scalarString(node: unknown): string | undefined {
  if (!isScalar(node)) return undefined;
  const v = node.value;
  if (v === null || v === undefined) return undefined;
  return typeof v === 'string' ? v : String(v);
}

export function keyString(pair: Pair): string | undefined {
  return scalarString(pair.key);
}

export function hasTag(node: unknown): boolean {
  return (isScalar(node) || isMap(node) || isSeq(node)) && typeof (node as { tag?: string }).tag === 'string'
    && !(node as { tag: string }).tag.startsWith('tag:yaml.org,2002:');
}

/** Plain JS value of one node (a mapping or scalar inside a document). */
export function toPlainNode(node: unknown): unknown {
  if (node && typeof (node as { toJSON?: unknown }).toJSON === 'function') return (node as { toJSON(): unknown }).toJSON();
  return node;
}

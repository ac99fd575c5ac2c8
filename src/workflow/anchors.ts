/**
 * Nodes shared through YAML anchors: `&name` on a node and `*name` elsewhere
 * make one node appear at several paths, so an edit inside it changes every
 * one of them. The model never expands aliases; this says where they lead,
 * so the engine can tell a fix that edits a shared node from one that strays.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, type Document } from '../yaml.js';
import type { Path } from './model.js';

export interface SharedNode {
  anchor: string;
  /** Where the anchored node is written. */
  path: Path;
  /** Where aliases of it stand (each shows the same node). */
  aliases: Path[];
}

/** Anchored nodes with at least one alias, in document order. */
export function sharedNodes(doc: Document.Parsed): SharedNode[] {
  const anchored = new Map<unknown, SharedNode>();
  const uses: { node: unknown; path: Path }[] = [];
  const stack: { node: unknown; path: Path }[] = [{ node: doc.contents, path: [] }];
  while (stack.length) {
    const { node, path } = stack.pop()!;
    if (isAlias(node)) {
      uses.push({ node: node.resolve(doc), path });
      continue;
    }
    const anchor = (node as { anchor?: string } | null)?.anchor;
    if (anchor && (isMap(node) || isSeq(node) || isScalar(node))) anchored.set(node, { anchor, path, aliases: [] });
    if (isSeq(node)) node.items.forEach((item, i) => stack.push({ node: item, path: [...path, i] }));
    else if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair) || !isScalar(pair.key)) continue;
        stack.push({ node: pair.value, path: [...path, String(pair.key.value)] });
      }
    }
  }
  for (const u of uses) anchored.get(u.node)?.aliases.push(u.path);
  return [...anchored.values()].filter((s) => s.aliases.length).sort((a, b) => comparePaths(a.path, b.path));
}

function comparePaths(a: Path, b: Path): number {
  return a.map(String).join('\u0000') < b.map(String).join('\u0000') ? -1 : 1;
}

export const isUnder = (path: Path, prefix: Path): boolean => prefix.length <= path.length && prefix.every((p, i) => String(p) === String(path[i]));

/** What the shared node is, for a reason a user reads ("step list", "env mapping", ...). */
function kindOf(path: Path): string {
  const last = path[path.length - 1];
  const parent = path[path.length - 2];
  if (last === 'steps') return 'step list';
  if (typeof last === 'number' && parent === 'steps') return 'step';
  if (typeof last === 'string' && ['env', 'with', 'permissions', 'outputs', 'defaults', 'strategy'].includes(last)) return `${last} mapping`;
  if (path.length === 2 && path[0] === 'jobs') return 'job';
  return 'node';
}

function place(path: Path): string {
  return path[0] === 'jobs' && path.length >= 2 ? String(path[1]) : path.map(String).join('.') || '(root)';
}

/** "step list shared through &deploy by jobs a, b" */
export function describeShared(s: SharedNode): string {
  const where = [...new Set([s.path, ...s.aliases].map(place))];
  const whom = [s.path, ...s.aliases].every((p) => p[0] === 'jobs' && p.length >= 2) ? `job${where.length > 1 ? 's' : ''} ` : '';
  return `${kindOf(s.path)} shared through &${s.anchor} by ${whom}${where.join(', ')}`;
}

/**
 * The shared node a changed path reaches through an alias, if any: the path
 * lies at or under one of its alias sites.
 */
export function sharedAt(shared: readonly SharedNode[], path: Path): SharedNode | undefined {
  return shared.find((s) => s.aliases.some((a) => isUnder(path, a)));
}

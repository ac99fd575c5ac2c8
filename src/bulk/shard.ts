/**
 * `--shard K/N`: N machines split a fleet with no coordination. A repository
 * belongs to shard K when a stable hash of its key (its path relative to the
 * run's directory, forward slashes, as in the reports) is K-1 modulo N, so the
 * same repository lands in the same shard on every machine and every run.
 */
import { createHash } from 'node:crypto';

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

/** `K/N` with 1 <= K <= N; a message saying what is wrong otherwise. */
export function parseShard(text: string): Shard | string {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) return `--shard must be K/N (e.g. 2/4), got '${text}'`;
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index < 1 || index > count) return `--shard ${text}: K must be between 1 and N`;
  return { index, count };
}

/** The shard (1-based) a repository key falls in: the first 6 bytes of its sha256, modulo N. */
export function shardOf(key: string, count: number): number {
  const h = createHash('sha256').update(key, 'utf8').digest();
  return (h.readUIntBE(0, 6) % count) + 1;
}

export const inShard = (key: string, shard: Shard): boolean => shardOf(key, shard.count) === shard.index;

export const shardLabel = (shard: Shard): string => `${shard.index}/${shard.count}`;

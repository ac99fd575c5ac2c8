/**
 * Which GitHub repository a checkout is (OWNER/REPO for the OIDC `sub`
 * claim) and its default branch, from git: `remote get-url origin` (https,
 * ssh and scp-like forms) and `refs/remotes/origin/HEAD`.
 */
import { gitQuery } from '../git.js';

/** OWNER/REPO from a remote URL, or undefined when it does not name one. */
export function slugFromRemote(url: string): string | undefined {
  const u = url.trim();
  // scp-like: git@github.com:OWNER/REPO(.git)
  const scp = /^[\w.-]+@[\w.-]+:(?!\/)([^/\s]+)\/([^/\s]+?)(?:\.git)?\/?$/.exec(u);
  if (scp) return `${scp[1]}/${scp[2]}`;
  // https://host/OWNER/REPO(.git), ssh://git@host(:port)/OWNER/REPO(.git)
  const url2 = /^(?:https?|ssh|git):\/\/[^/\s]+\/(?:.*\/)?([^/\s]+)\/([^/\s]+?)(?:\.git)?\/?$/.exec(u);
  if (url2) return `${url2[1]}/${url2[2]}`;
  return undefined;
}

export const isSlug = (s: string): boolean => /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(s);

export function originSlug(root: string): string | undefined {
  const url = gitQuery(root, ['remote', 'get-url', 'origin']);
  return url ? slugFromRemote(url) : undefined;
}

/** The default branch as origin/HEAD records it (set by clone), else undefined. */
export function originDefaultBranch(root: string): string | undefined {
  const ref = gitQuery(root, ['symbolic-ref', '--quiet', 'refs/remotes/origin/HEAD']);
  const m = ref ? /^refs\/remotes\/origin\/(.+)$/.exec(ref) : null;
  return m?.[1];
}

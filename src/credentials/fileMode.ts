import type { Stats } from 'node:fs';

/** The groups this process runs with: its own and its supplementary ones (Kubernetes' fsGroup). */
const processGroups = (): Set<number> | undefined => {
  if (typeof process.getgid !== 'function') return undefined; // not POSIX (Windows)
  return new Set([process.getgid(), ...(process.getgroups?.() ?? [])]);
};

const octal = (mode: number) => `0${(mode & 0o777).toString(8).padStart(3, '0')}`;

/**
 * The file-mode rule for a file holding credentials: not readable by every user, and readable
 * by a group only when that group is one of the process's own. A Kubernetes Secret mounted with
 * `defaultMode: 0440` and `fsGroup` passes; the default 0644 does not. Undefined when the mode
 * is fine; otherwise what is wrong, in words naming the mode and group, never the content.
 */
export const fileModeProblem = (
  stats: Pick<Stats, 'mode' | 'gid'>,
  groups = processGroups(),
): string | undefined => {
  if (!groups) return undefined;
  if (stats.mode & 0o004) return `readable by every user (mode ${octal(stats.mode)})`;
  if (stats.mode & 0o040 && !groups.has(stats.gid)) {
    return `readable by group ${stats.gid}, not one of this process's groups (mode ${octal(stats.mode)})`;
  }
  return undefined;
};

/** "mode 0440, group 2000 (the process's)": how doctor describes a file that passes. */
export const describeFileMode = (stats: Pick<Stats, 'mode' | 'gid' | 'uid'>): string => {
  const groups = processGroups();
  const own = groups?.has(stats.gid) ? " (one of the process's groups)" : '';
  return `mode ${octal(stats.mode)}, owner ${stats.uid}, group ${stats.gid}${own}`;
};

export const FILE_MODE_HINT =
  "chmod 0400 (or 0440 with a group the gateway runs in; in Kubernetes a Secret volume with defaultMode 0440 and the pod's fsGroup)";

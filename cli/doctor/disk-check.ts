import { statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type CheckResult, formatBytes, result } from './check.ts';

/** Free space and inodes of a filesystem, as `fs.statfs` reports them. */
export interface DiskStats {
  /** Where the numbers were read: the data directory, or its nearest existing parent. */
  path: string;
  totalBytes: number;
  /** Bytes an unprivileged process may still write (`bavail`). */
  freeBytes: number;
  /** 0 when the filesystem does not count inodes (btrfs, some network filesystems). */
  totalInodes: number;
  freeInodes: number;
}

/** Below these the data directory warns; below the `fail` ones it fails. ClickHouse merges need free
 *  room of their own, and JetStream stops accepting messages when its store cannot grow. */
export const DISK_THRESHOLDS = {
  warn: { freeRatio: 0.1, freeBytes: 5 * 1024 ** 3 },
  fail: { freeRatio: 0.02, freeBytes: 1024 ** 3 },
} as const;

/** Judges free space and inodes: fail under 2 % or 1 GiB free, warn under 10 % or 5 GiB; inodes by the
 *  same ratios. */
export function judgeDisk(stats: DiskStats): CheckResult {
  const spaceRatio = stats.totalBytes > 0 ? stats.freeBytes / stats.totalBytes : 1;
  const inodeRatio = stats.totalInodes > 0 ? stats.freeInodes / stats.totalInodes : 1;
  const pct = (r: number) => `${(r * 100).toFixed(1)} %`;
  const inodes = stats.totalInodes > 0 ? `, ${pct(inodeRatio)} of inodes free` : '';
  const detail = `${formatBytes(stats.freeBytes)} free of ${formatBytes(stats.totalBytes)} (${pct(spaceRatio)})${inodes} at ${stats.path}`;
  const { warn, fail } = DISK_THRESHOLDS;
  const lowSpace = (t: { freeRatio: number; freeBytes: number }) =>
    spaceRatio < t.freeRatio || stats.freeBytes < t.freeBytes;
  const lowInodes = (t: { freeRatio: number }) => inodeRatio < t.freeRatio;
  const fix = (what: string) =>
    `free ${what} on that filesystem, lower clickhouse.rawRetentionDays / nats.telemetryMaxAgeHours, or move dataDir to a larger disk`;
  if (lowSpace(fail) || lowInodes(fail))
    return result('disk', 'fail', detail, fix(lowSpace(fail) ? 'space' : 'inodes (many small files)'));
  if (lowSpace(warn) || lowInodes(warn))
    return result('disk', 'warn', detail, fix(lowSpace(warn) ? 'space' : 'inodes (many small files)'));
  return result('disk', 'ok', detail);
}

/** Reads free space and inodes of the data directory (or of its nearest existing parent before the
 *  first start created it). */
export async function readDiskStats(dataDir: string): Promise<DiskStats> {
  let path = dataDir;
  for (;;) {
    try {
      const s = await statfs(path);
      return {
        path,
        totalBytes: s.blocks * s.bsize,
        freeBytes: s.bavail * s.bsize,
        totalInodes: s.files,
        freeInodes: s.ffree,
      };
    } catch (err) {
      const parent = dirname(path);
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || parent === path) throw err;
      path = parent;
    }
  }
}

/** The disk check of the data directory. */
export async function checkDisk(dataDir: string): Promise<CheckResult> {
  return judgeDisk(await readDiskStats(dataDir));
}

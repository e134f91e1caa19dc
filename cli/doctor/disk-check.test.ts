import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type DiskStats, judgeDisk, readDiskStats } from './disk-check.ts';

const GiB = 1024 ** 3;

/** A 100 GiB filesystem with `freeGiB` free and plenty of inodes unless told. */
function disk(freeGiB: number, inodes: { total: number; free: number } = { total: 1e6, free: 9e5 }): DiskStats {
  return {
    path: '/data',
    totalBytes: 100 * GiB,
    freeBytes: freeGiB * GiB,
    totalInodes: inodes.total,
    freeInodes: inodes.free,
  };
}

describe('judgeDisk', () => {
  it('is ok with 30 % free and says how much', () => {
    const r = judgeDisk(disk(30));
    expect(r.status).toBe('ok');
    expect(r.detail).toContain('30.0 GiB free of 100.0 GiB (30.0 %)');
    expect(r.detail).toContain('90.0 % of inodes free');
    expect(r.fix).toBeUndefined();
  });

  it('warns under 10 % free', () => {
    const r = judgeDisk(disk(8));
    expect(r.status).toBe('warn');
    expect(r.fix).toContain('free space');
  });

  it('warns under 5 GiB free even when that is over 10 % of a small disk', () => {
    const r = judgeDisk({ ...disk(0), totalBytes: 20 * GiB, freeBytes: 4 * GiB });
    expect(r.status).toBe('warn');
  });

  it('fails under 2 % free', () => {
    expect(judgeDisk(disk(1.5)).status).toBe('fail');
  });

  it('fails under 1 GiB free whatever the ratio', () => {
    const r = judgeDisk({ ...disk(0), totalBytes: 10 * GiB, freeBytes: 0.5 * GiB });
    expect(r.status).toBe('fail');
    expect(r.fix).toContain('rawRetentionDays');
  });

  it('judges inodes by the same ratios', () => {
    expect(judgeDisk(disk(50, { total: 1e6, free: 5e4 })).status).toBe('warn');
    const r = judgeDisk(disk(50, { total: 1e6, free: 1e4 }));
    expect(r.status).toBe('fail');
    expect(r.fix).toContain('inodes');
  });

  it('ignores inodes on a filesystem that does not count them', () => {
    const r = judgeDisk(disk(50, { total: 0, free: 0 }));
    expect(r.status).toBe('ok');
    expect(r.detail).not.toContain('inodes');
  });
});

describe('readDiskStats', () => {
  it('reads the nearest existing parent of a data directory not created yet', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aegis-disk-'));
    try {
      const stats = await readDiskStats(join(dir, 'data', 'not-yet'));
      expect(stats.path).toBe(dir);
      expect(stats.totalBytes).toBeGreaterThan(0);
      expect(stats.freeBytes).toBeLessThanOrEqual(stats.totalBytes);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

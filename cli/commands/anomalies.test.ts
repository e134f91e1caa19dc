import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../core/errors.ts';
import { formatAnomalyCsv, parseAnomalyCsv } from './anomalies.ts';

const BIN = fileURLToPath(new URL('../../bin/aegis.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'aegis-anomalies-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function aegis(...args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: dir, timeout: 60_000 });
}

// 1,200 five-minute points of steady noise, one empty value and a spike at row 1,000.
function sampleCsv(): string {
  const lines = ['timestamp,value'];
  let s = 7;
  for (let i = 0; i < 1200; i++) {
    s = (s * 48271) % 2147483647;
    const ts = new Date(Date.UTC(2014, 3, 1) + i * 300_000).toISOString().replace('T', ' ').slice(0, 19);
    const v = i === 500 ? '' : i === 1000 ? '95' : (50 + (s / 2147483647) * 4).toFixed(3);
    lines.push(`${ts},${v}`);
  }
  return `${lines.join('\n')}\n`;
}

describe('aegis anomalies', () => {
  it('writes timestamp,value,anomaly_score for every row in input order, flagging the spike', () => {
    const file = join(dir, 'in.csv');
    const text = sampleCsv();
    writeFileSync(file, text);
    const r = aegis('anomalies', '--input', file);
    expect(r.stderr).toMatch(/1200 rows scored by ensemble-1/);
    expect(r.status).toBe(0);
    const out = r.stdout.trim().split('\n');
    expect(out[0]).toBe('timestamp,value,anomaly_score');
    expect(out).toHaveLength(1201);
    const inRows = text.trim().split('\n').slice(1);
    const scores = out.slice(1).map((line, i) => {
      const [ts, v, score] = line.split(',');
      expect(`${ts},${v}`).toBe(inRows[i]);
      return Number(score);
    });
    for (const s of scores) expect(s >= 0 && s <= 1).toBe(true);
    expect(scores[500]).toBe(0);
    expect(scores.slice(0, 180).every((s) => s === 0)).toBe(true); // probation: 15 % of the file
    expect(scores[1000]).toBeGreaterThan(0.99);
    expect(Math.max(...scores.slice(200, 1000))).toBeLessThan(scores[1000]!);
  });

  it('exits 2 naming the line of a malformed row', () => {
    const file = join(dir, 'bad.csv');
    writeFileSync(file, 'timestamp,value\n2014-04-01 00:00:00,1\n2014-04-01 00:05:00,abc\n');
    const r = aegis('anomalies', '--no-tf', '--input', file);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/line 3: value "abc" is not a number/);
  });

  it('exits 2 when the input is missing', () => {
    expect(aegis('anomalies', '--input', join(dir, 'absent.csv')).status).toBe(2);
    expect(aegis('anomalies').status).toBe(2);
  });
});

describe('parseAnomalyCsv', () => {
  it('keeps timestamp and value text as written and reads ISO 8601', () => {
    const rows = parseAnomalyCsv('timestamp,value\n2014-04-01T00:00:00Z,1.50\n2014-04-01T00:05:00Z,NaN\n', 'x');
    expect(rows.map((r) => r.timestamp)).toEqual(['2014-04-01T00:00:00Z', '2014-04-01T00:05:00Z']);
    expect(rows[0]!.valueText).toBe('1.50');
    expect(rows[1]!.point.value).toBeNaN();
    expect(formatAnomalyCsv(rows, [0.5, 0])).toBe(
      'timestamp,value,anomaly_score\n2014-04-01T00:00:00Z,1.50,0.5\n2014-04-01T00:05:00Z,NaN,0\n',
    );
  });

  it('rejects a wrong header, a bad timestamp and a ragged row with the line', () => {
    expect(() => parseAnomalyCsv('time,v\n1,2\n', 'x')).toThrow(/line 1/);
    expect(() => parseAnomalyCsv('timestamp,value\nyesterday,2\n', 'x')).toThrow(/line 2: timestamp "yesterday"/);
    expect(() => parseAnomalyCsv('timestamp,value\n2014-04-01,1\n2014-04-02,1,3\n', 'x')).toThrow(InputError);
  });
});

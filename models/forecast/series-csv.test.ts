import { describe, expect, it } from 'vitest';
import { InputError } from '../../core/errors.ts';
import { formatTimestamp, parseTimestamp, readSeriesCsv } from './series-csv.ts';

const csv = (rows: string[]) => `timestamp,value\n${rows.join('\n')}\n`;

describe('readSeriesCsv', () => {
  it('reads space-separated timestamps as UTC, with the median interval', () => {
    const s = readSeriesCsv(csv(['2014-04-01 00:00:00,1', '2014-04-01 01:00:00,2.5', '2014-04-01 02:00:00,-3e1']));
    expect(s.timestamps).toEqual([Date.UTC(2014, 3, 1, 0), Date.UTC(2014, 3, 1, 1), Date.UTC(2014, 3, 1, 2)]);
    expect(s.values).toEqual([1, 2.5, -30]);
    expect(s.intervalMs).toBe(3_600_000);
    expect(s.style).toEqual({ separator: ' ', seconds: true, fractionDigits: 0, zone: '' });
    expect(s.irregularShare).toBe(0);
  });

  it('reads ISO 8601 with offsets, columns in any order and extra columns', () => {
    const s = readSeriesCsv('Value,host,Timestamp\n3,a,2025-01-06T10:00+02:00\n4,a,2025-01-06T10:05+02:00\n');
    expect(s.timestamps[0]).toBe(Date.UTC(2025, 0, 6, 8));
    expect(s.values).toEqual([3, 4]);
    expect(s.intervalMs).toBe(300_000);
  });

  it('counts irregular steps', () => {
    const s = readSeriesCsv(csv(['2025-01-01,1', '2025-01-02,1', '2025-01-03,1', '2025-01-05,1']));
    expect(s.intervalMs).toBe(86_400_000);
    expect(s.irregularShare).toBeCloseTo(1 / 3, 12);
  });

  it('names the line of a non-numeric value', () => {
    const rows = Array.from({ length: 20 }, (_, i) => `2025-01-01T${String(i).padStart(2, '0')}:00:00Z,${i}`);
    rows[15] = '2025-01-01T15:00:00Z,abc';
    try {
      readSeriesCsv(csv(rows));
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(InputError);
      expect((err as InputError).location).toBe('line 17');
      expect((err as Error).message).toBe('line 17: value must be a number (got "abc")');
    }
  });

  it('rejects a missing header, a bad timestamp, time going backwards, and no rows', () => {
    expect(() => readSeriesCsv('2014-04-01 00:00:00,1\n2014-04-01 01:00:00,2\n')).toThrow(
      /line 1: the header must name the columns timestamp,value/,
    );
    expect(() => readSeriesCsv(csv(['2014-04-01 00:00:00,1', 'yesterday,2']))).toThrow(
      /line 3: timestamp must look like/,
    );
    expect(() => readSeriesCsv(csv(['2014-02-30 00:00:00,1']))).toThrow(/line 2: timestamp/);
    expect(() => readSeriesCsv(csv(['2014-04-01 01:00:00,1', '2014-04-01 01:00:00,2']))).toThrow(
      /line 3: timestamps must increase/,
    );
    expect(() => readSeriesCsv('timestamp,value\n')).toThrow(/no rows/);
    expect(() => readSeriesCsv('')).toThrow(/empty/);
    expect(() => readSeriesCsv(csv(['2014-04-01 00:00:00,']))).toThrow(/line 2: value must be a number \(got ""\)/);
  });
});

describe('formatTimestamp', () => {
  it.each([
    '2014-04-01 00:00:00',
    '2014-04-01T23:05',
    '2014-04-01T23:05:09Z',
    '2014-04-01T23:05:09.250Z',
    '2014-04-01T23:05:09+05:30',
    '2014-04-01T23:05:09-0800',
    '2014-04-01',
  ])('prints %s back the way it was written', (text) => {
    const parsed = parseTimestamp(text)!;
    expect(formatTimestamp(parsed.ms, parsed.style)).toBe(text);
  });

  it('keeps local time in the input offset', () => {
    const { style } = parseTimestamp('2025-01-06T10:00:00+02:00')!;
    expect(formatTimestamp(Date.UTC(2025, 0, 6, 23), style)).toBe('2025-01-07T01:00:00+02:00');
  });
});

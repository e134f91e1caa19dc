import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { focusCsvParser, parseFocusDate, parseFocusNumber } from './focus.ts';

const formatsDir = path.resolve(import.meta.dirname, '../../../shared/formats');
const focusDir = path.join(formatsDir, 'focus');
const ctx = { inputName: 'test' };

const parseText = (text: string) => focusCsvParser.parse(Buffer.from(text, 'utf8'), ctx);
const parseFile = (rel: string) => focusCsvParser.parse(readFileSync(path.join(focusDir, rel)), { inputName: rel });

const HEADER = 'ChargePeriodStart,ChargePeriodEnd,BilledCost,ChargeCategory,Tags,x_Team';
const GOOD_ROW = '2024-09-01T00:00:00Z,2024-09-01T01:00:00Z,1.50,Usage,,core';

describe.skipIf(!existsSync(focusDir))('focusCsvParser on the published FOCUS samples', () => {
  const sample = 'FOCUS-Sample-Data/FOCUS-1.0/focus_sample.csv';
  let sampleOutcome: ReturnType<typeof parseFile> | undefined;
  // The 1,000-row file takes a few hundred ms to parse; read it once for the tests below.
  const parseSample = () => {
    sampleOutcome ??= parseFile(sample);
    return sampleOutcome;
  };

  it('reads all 1,000 rows of the FOCUS 1.0 sample with no rejections', () => {
    const out = parseSample();
    expect(out.rejected).toEqual([]);
    expect(out.records).toHaveLength(1000);
  });

  it('maps BilledCost, Tags, times and the extra Id column of a sample row', () => {
    const row = parseSample().records[1];
    expect(row?.BilledCost).toBe(0.0000160599);
    expect(row?.ChargePeriodStart).toBe(Date.UTC(2024, 8, 30, 22));
    expect(row?.Tags).toEqual({ application: 'BrightLensMatrix', environment: 'dev', business_unit: 'ViennaAI' });
    expect(row?.Extra.Id).toBe('19384');
    expect(row?.ChargeClass).toBe('');
  });

  it('keeps negative credits and the as-given casing of ChargeFrequency', () => {
    const records = parseSample().records;
    expect(records.some((r) => r.ChargeCategory === 'Credit' && (r.BilledCost ?? 0) < 0)).toBe(true);
    expect(records.some((r) => r.ChargeFrequency === 'Usage-based')).toBe(true);
  });

  // Counts were taken from the files; the two `T30:00:00Z` rows are a typo in the spec examples
  // (hour 30 does not exist) and are refused rather than silently rolled into the next day.
  const examples: [file: string, records: number, badLine?: number][] = [
    [
      'commitment_discount_flexibility/one_hundred_percent_utilization_with_commitment_discount_flexibility_with_1_resource.csv',
      3,
    ],
    [
      'commitment_discount_flexibility/one_hundred_percent_utilization_with_commitment_discount_flexibility_with_2_resources.csv',
      3,
    ],
    ['commitment_discount_flexibility/one_hundred_percent_utilization_without_commitment_discount_flexibility.csv', 2],
    ['commitment_discount_flexibility/zero_percent_utilization_without_commitment_discount_flexibility.csv', 3],
    ['commitment_discount_scenarios/commitment_discount_purchase_scenario_1.csv', 1],
    ['commitment_discount_scenarios/commitment_discount_purchase_scenario_2.csv', 2, 4],
    ['commitment_discount_scenarios/commitment_discount_purchase_scenario_3.csv', 3, 5],
    ['commitment_discount_scenarios/commitment_discount_usage_scenario_1.csv', 1],
    ['commitment_discount_scenarios/commitment_discount_usage_scenario_2.csv', 1],
    ['commitment_discount_scenarios/commitment_discount_usage_scenario_3.csv', 2],
    ['commitment_discount_scenarios/commitment_discount_usage_scenario_4.csv', 2],
    ['saas_examples/simple_agreements/simple_saas_agreements_a1.csv', 1],
    ['saas_examples/simple_agreements/simple_saas_agreements_a2.csv', 1],
    ['saas_examples/simple_agreements/simple_saas_agreements_a3.csv', 1],
    ['saas_examples/simple_agreements/simple_saas_agreements_b.csv', 1],
    ['saas_examples/simple_agreements/simple_saas_agreements_c.csv', 3],
    ['saas_examples/spend_agreements/saas_spend_agreements_a1.csv', 4],
    ['saas_examples/spend_agreements/saas_spend_agreements_a2.csv', 13],
    ['saas_examples/spend_agreements/saas_spend_agreements_b1.csv', 5],
    ['saas_examples/spend_agreements/saas_spend_agreements_b2.csv', 14],
    ['saas_examples/virtual_currency_pricing_model_a1.csv', 1],
    ['saas_examples/virtual_currency_pricing_model_a2.csv', 3],
    ['saas_examples/virtual_currency_pricing_model_b1.csv', 1],
    ['saas_examples/virtual_currency_pricing_model_b2.csv', 3],
    ['saas_examples/virtual_currency_pricing_model_b3.csv', 3],
    ['saas_examples/virtual_currency_pricing_model_c.csv', 2],
  ];

  it.each(examples)('reads the FOCUS 1.2 spec example %s', (file, records, badLine) => {
    const out = parseFile(`FOCUS_Spec-examples/${file}`);
    expect(out.records).toHaveLength(records);
    if (badLine === undefined) {
      expect(out.rejected).toEqual([]);
    } else {
      expect(out.rejected).toEqual([
        {
          location: `line ${badLine}`,
          field: 'ChargePeriodEnd',
          reason: 'ChargePeriodEnd has hour 30, which is out of range (got "2023-02-01T30:00:00Z")',
        },
      ]);
    }
  });

  it('covers all 26 spec example files', () => {
    expect(examples).toHaveLength(26);
  });

  it('reads US short dates and dollar display strings in the SaaS examples', () => {
    const [row] = parseFile(
      'FOCUS_Spec-examples/saas_examples/simple_agreements/simple_saas_agreements_a1.csv',
    ).records;
    expect(row?.BilledCost).toBe(10000);
    expect(row?.ChargePeriodStart).toBe(Date.UTC(2025, 3, 1));
    expect(row?.ChargePeriodEnd).toBe(Date.UTC(2026, 3, 1));
  });

  it('reads a BOM-prefixed CRLF file without a final newline', () => {
    const out = parseFile('FOCUS_Spec-examples/saas_examples/virtual_currency_pricing_model_c.csv');
    expect(out.records.map((r) => r.BilledCost)).toEqual([3000, 50000]);
    expect(out.records[1]?.SkuPriceId).toBe('45678-1');
  });

  it('maps the misspelt SkuPriceid header onto SkuPriceId and x_ columns into Extra', () => {
    const file =
      'commitment_discount_flexibility/one_hundred_percent_utilization_without_commitment_discount_flexibility.csv';
    const [row] = parseFile(`FOCUS_Spec-examples/${file}`).records;
    expect(row?.SkuPriceId).toBe('VM_LARGE_COMMITTED_PURCHASE_NO_UPFRONT');
    expect(row?.Extra.x_CommitmentDiscountUnitPrice).toBe('1.50');
    expect(row?.ConsumedQuantity).toBeNull();
  });
});

describe('focusCsvParser on well-formed input', () => {
  it('reads CSV with CRLF line endings, blank lines and no final newline', () => {
    const out = parseText(`${HEADER}\r\n${GOOD_ROW}\r\n\r\n${GOOD_ROW}`);
    expect(out.rejected).toEqual([]);
    expect(out.records).toHaveLength(2);
    expect(out.records[0]?.Extra).toEqual({ x_Team: 'core' });
  });

  it('normalises ChargeCategory casing to the spec spelling', () => {
    const out = parseText(`${HEADER}\n2024-09-01,2024-09-02,1,usage,,\n2024-09-01,2024-09-02,1,TAX,,`);
    expect(out.records.map((r) => r.ChargeCategory)).toEqual(['Usage', 'Tax']);
  });

  it('reads JSON lines keyed by column name, with Tags as an object', () => {
    const line = {
      ChargePeriodStart: '2024-09-01 00:00:00',
      ChargePeriodEnd: '2024-09-01 01:00:00',
      EffectiveCost: -2.5,
      Tags: { team: 'core', cost_center: 42 },
      Id: 7,
    };
    const out = parseText(`\n${JSON.stringify(line)}\n`);
    expect(out.rejected).toEqual([]);
    expect(out.records[0]).toMatchObject({ EffectiveCost: -2.5, BilledCost: null, Extra: { Id: '7' } });
    expect(out.records[0]?.Tags).toEqual({ team: 'core', cost_center: '42' });
  });

  it.each([
    ['2024-09-01T10:20:30Z', Date.UTC(2024, 8, 1, 10, 20, 30)],
    ['2024-09-01T10:20:30', Date.UTC(2024, 8, 1, 10, 20, 30)],
    ['2024-09-01T10:20:30.5+02:00', Date.UTC(2024, 8, 1, 8, 20, 30, 500)],
    ['2024-09-01 10:20:30', Date.UTC(2024, 8, 1, 10, 20, 30)],
    ['2024-09-01', Date.UTC(2024, 8, 1)],
    ['5/1/25', Date.UTC(2025, 4, 1)],
    ['12/31/2024', Date.UTC(2024, 11, 31)],
  ])('reads the date %s', (text, ms) => {
    expect(parseFocusDate('ChargePeriodStart', text)).toEqual({ value: ms });
  });

  it.each([
    ['"$10,000.00 "', 10000],
    ['-3.25', -3.25],
    ['-$5.00', -5],
    ['(5.00)', -5],
    ['1.5e-7', 1.5e-7],
    [' 0.00 ', 0],
  ])('reads the amount %s', (text, value) => {
    expect(parseFocusNumber('BilledCost', JSON.parse(text.startsWith('"') ? text : JSON.stringify(text)))).toEqual({
      value,
    });
  });
});

describe('focusCsvParser on malformed input', () => {
  it('refuses a file whose header lacks ChargePeriodEnd with one file rejection', () => {
    const out = parseText('ChargePeriodStart,BilledCost\n2024-09-01,1\n2024-09-01,2');
    expect(out.records).toEqual([]);
    expect(out.rejected).toEqual([
      {
        location: 'file',
        field: 'ChargePeriodEnd',
        reason: 'header lacks required FOCUS column(s): ChargePeriodEnd',
      },
    ]);
  });

  it('refuses a file whose header has neither BilledCost nor EffectiveCost', () => {
    const out = parseText('ChargePeriodStart,ChargePeriodEnd,ListCost\n2024-09-01,2024-09-02,1');
    expect(out.rejected).toHaveLength(1);
    expect(out.rejected[0]?.reason).toContain('BilledCost or EffectiveCost');
  });

  it('rejects a bad row at its physical line and keeps reading', () => {
    const out = parseText(`${HEADER}\n${GOOD_ROW}\n2024-09-01,2024-09-02,abc,Usage,,\n${GOOD_ROW}`);
    expect(out.records).toHaveLength(2);
    expect(out.rejected).toEqual([
      { location: 'line 3', field: 'BilledCost', reason: 'BilledCost is not a number (got "abc")' },
    ]);
  });

  it('counts lines inside multi-line quoted cells when naming a later bad row', () => {
    const out = parseText(`${HEADER}\n2024-09-01,2024-09-02,1,Usage,,"two\nlines"\n2024-09-01,bad,1,Usage,,`);
    expect(out.records[0]?.Extra.x_Team).toBe('two\nlines');
    expect(out.rejected).toMatchObject([{ location: 'line 4', field: 'ChargePeriodEnd' }]);
  });

  it.each(['NaN', 'Infinity', '-inf', '1e999'])('rejects the money value %s', (money) => {
    const out = parseText(`${HEADER}\n2024-09-01,2024-09-02,${money},Usage,,`);
    expect(out.records).toEqual([]);
    expect(out.rejected[0]).toMatchObject({ location: 'line 2', field: 'BilledCost' });
    expect(out.rejected[0]?.reason).toMatch(/finite|out of range/);
  });

  it.each([
    ['-2024-09-01', 'is not a date'],
    ['1970-01-01', 'before 2000-01-01'],
    ['9999-12-31', 'in the future'],
    ['2024-02-30', 'day 30'],
  ])('rejects the timestamp %s naming ChargePeriodStart', (date, reason) => {
    const out = parseText(`${HEADER}\n${date},2024-09-02,1,Usage,,`);
    expect(out.rejected[0]).toMatchObject({ location: 'line 2', field: 'ChargePeriodStart' });
    expect(out.rejected[0]?.reason).toContain(reason);
  });

  it('rejects a ChargePeriodEnd before ChargePeriodStart', () => {
    const out = parseText(`${HEADER}\n2024-09-02,2024-09-01,1,Usage,,`);
    expect(out.rejected).toMatchObject([{ location: 'line 2', field: 'ChargePeriodEnd' }]);
  });

  it('rejects an unknown ChargeCategory', () => {
    const out = parseText(`${HEADER}\n2024-09-01,2024-09-02,1,Refund,,`);
    expect(out.rejected[0]).toMatchObject({ field: 'ChargeCategory' });
    expect(out.rejected[0]?.reason).toContain('must be one of Usage, Purchase, Tax, Credit, Adjustment');
  });

  it('rejects Tags that are not a JSON object', () => {
    const out = parseText(`${HEADER}\n2024-09-01,2024-09-02,1,Usage,"[1,2]",\n2024-09-01,2024-09-02,1,Usage,{oops,`);
    expect(out.rejected.map((r) => [r.location, r.field])).toEqual([
      ['line 2', 'Tags'],
      ['line 3', 'Tags'],
    ]);
  });

  it('rejects a row whose field count differs from the header', () => {
    const out = parseText(`${HEADER}\n2024-09-01,2024-09-02,1`);
    expect(out.rejected).toEqual([{ location: 'line 2', reason: 'row has 3 fields but the header has 6' }]);
  });

  it('accepts the rows before a truncated CSV tail and rejects the tail once', () => {
    const out = parseText(`${HEADER}\n${GOOD_ROW}\n${GOOD_ROW}\n2024-09-01,2024-09-02,1,Usage,"{""a"": `);
    expect(out.records).toHaveLength(2);
    expect(out.rejected).toHaveLength(1);
    expect(out.rejected[0]).toMatchObject({ location: 'line 4' });
    expect(out.rejected[0]?.reason).toContain('Quote Not Closed');
  });

  it('rejects a truncated JSON line and keeps the lines before it', () => {
    const good = JSON.stringify({ ChargePeriodStart: '2024-09-01', ChargePeriodEnd: '2024-09-02', BilledCost: 1 });
    const out = parseText(`${good}\n${good.slice(0, 30)}`);
    expect(out.records).toHaveLength(1);
    expect(out.rejected).toMatchObject([{ location: 'line 2' }]);
    expect(out.rejected[0]?.reason).toContain('not valid JSON');
  });

  it.each([
    ['BilledCost', { a: 1 }],
    ['BilledCost', true],
    ['ChargePeriodStart', 1725148800000],
    ['ServiceName', ['x']],
  ])('rejects a JSON line whose %s has the wrong type', (field, value) => {
    const row = { ChargePeriodStart: '2024-09-01', ChargePeriodEnd: '2024-09-02', BilledCost: 1, [field]: value };
    const out = parseText(JSON.stringify(row));
    expect(out.rejected).toMatchObject([{ location: 'line 1', field }]);
  });

  it('rejects a JSON line missing ChargePeriodStart', () => {
    const out = parseText(JSON.stringify({ ChargePeriodEnd: '2024-09-02', BilledCost: 1 }));
    expect(out.rejected).toEqual([
      { location: 'line 1', field: 'ChargePeriodStart', reason: 'ChargePeriodStart is missing' },
    ]);
  });

  it('rejects a 10 MB description without throwing', () => {
    const big = 'x'.repeat(10 * 1024 * 1024);
    const out = parseText(
      `ChargePeriodStart,ChargePeriodEnd,BilledCost,ChargeDescription\n2024-09-01,2024-09-02,1,${big}`,
    );
    expect(out.records).toEqual([]);
    expect(out.rejected).toMatchObject([{ location: 'line 2', field: 'ChargeDescription' }]);
  });

  it('refuses invalid UTF-8 as a whole', () => {
    const out = focusCsvParser.parse(Buffer.from([0xff, 0xfe, 0x41]), ctx);
    expect(out.rejected).toEqual([{ location: 'file', reason: 'input is not valid UTF-8' }]);
  });

  it('refuses an empty input and accepts a header-only file as empty', () => {
    expect(parseText('').rejected).toEqual([{ location: 'file', reason: 'no header row' }]);
    expect(parseText(HEADER)).toMatchObject({ records: [], rejected: [] });
  });

  it('never throws, whatever the input', () => {
    const cell = fc.oneof(
      fc.string(),
      fc.constantFrom('NULL', '', '"', '$1,000.00 ', '5/1/25', '2024-09-01 00:00:00', 'NaN', '{"a":1}', '"x\n"'),
    );
    const csv = fc
      .tuple(fc.array(fc.array(cell, { maxLength: 8 }), { maxLength: 6 }), fc.constantFrom('\n', '\r\n'))
      .map(([rows, eol]) => [HEADER, ...rows.map((r) => r.join(','))].join(eol));
    const input = fc.oneof(
      csv.map((s) => Buffer.from(s)),
      fc.string().map((s) => Buffer.from(s)),
      fc.json().map((s) => Buffer.from(s)),
      fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
    );
    fc.assert(
      fc.property(input, (buf) => {
        const out = focusCsvParser.parse(buf, ctx);
        expect(out.kind).toBe('cost');
      }),
      { numRuns: 300 },
    );
  });
});

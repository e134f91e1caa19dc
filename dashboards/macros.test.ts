import { describe, expect, it } from 'vitest';
import {
  ALL,
  applyConditionalAll,
  type ExpandParams,
  expandQuery,
  interpolateMacros,
  replaceVariables,
} from './macros.ts';

// The examples below are the plugin's own (pkg/macros/macros_test.go, src/data/CHDatasource.test.ts) and
// the plugin SDK's (data/sqlutil/macros_test.go), so the expander is held to what the plugin does.
const FROM = Date.parse('2014-11-12T11:45:26.371Z');
const TO = Date.parse('2015-11-12T11:45:26.371Z');
const params = (over: Partial<ExpandParams> = {}): ExpandParams => ({
  fromMs: FROM,
  toMs: TO,
  intervalMs: 20_000,
  variables: {},
  ...over,
});
const macro = (sql: string, over: Partial<ExpandParams> = {}) => interpolateMacros(sql, params(over));

describe('interpolateMacros', () => {
  it('turns $__fromTime and $__toTime into second-precision DateTimes', () => {
    expect(macro('$__fromTime')).toBe('toDateTime(1415792726)');
    expect(macro('$__toTime')).toBe('toDateTime(1447328726)');
  });

  it('turns $__fromTime_ms and $__toTime_ms into millisecond DateTime64s', () => {
    expect(macro('$__fromTime_ms')).toBe('fromUnixTimestamp64Milli(1415792726371)');
    expect(macro('$__toTime_ms')).toBe('fromUnixTimestamp64Milli(1447328726371)');
  });

  it('filters dates and date-times', () => {
    expect(macro('$__dateFilter(dateCol)')).toBe("dateCol >= toDate('2014-11-12') AND dateCol <= toDate('2015-11-12')");
    expect(macro('$__dateTimeFilter(dateCol, timeCol)')).toBe(
      "(dateCol >= toDate('2014-11-12') AND dateCol <= toDate('2015-11-12')) AND (timeCol >= toDateTime(1415792726) AND timeCol <= toDateTime(1447328726))",
    );
  });

  it('buckets by the panel interval', () => {
    expect(macro('select $__timeInterval(col) from foo')).toBe(
      'select toStartOfInterval(toDateTime(col), INTERVAL 20 second) from foo',
    );
    expect(macro('select $__timeInterval_ms(col) from foo')).toBe(
      'select toStartOfInterval(toDateTime64(col, 3), INTERVAL 20000 millisecond) from foo',
    );
    expect(macro('select toStartOfInterval(col, INTERVAL $__interval_s second) AS time from foo')).toBe(
      'select toStartOfInterval(col, INTERVAL 20 second) AS time from foo',
    );
    // Below a second, pkg/macros rounds up to one.
    expect(macro('$__interval_s', { intervalMs: 200 })).toBe('1');
  });

  it('interpolates whole queries as the plugin test TestInterpolate does', () => {
    const p = { fromMs: Date.parse('2014-11-12T11:45:26.123Z'), toMs: Date.parse('2015-11-12T11:45:26.456Z') };
    const cases: [string, string][] = [
      [
        'select * from foo where $__timeFilter(cast(sth as timestamp))',
        'select * from foo where cast(sth as timestamp) >= toDateTime(1415792726) AND cast(sth as timestamp) <= toDateTime(1447328726)',
      ],
      [
        'select * from foo where $__timeFilter(cast(sth as timestamp) )',
        'select * from foo where cast(sth as timestamp) >= toDateTime(1415792726) AND cast(sth as timestamp) <= toDateTime(1447328726)',
      ],
      [
        'select * from foo where $__timeFilter_ms(cast(sth as timestamp))',
        'select * from foo where cast(sth as timestamp) >= fromUnixTimestamp64Milli(1415792726123) AND cast(sth as timestamp) <= fromUnixTimestamp64Milli(1447328726456)',
      ],
      [
        'select * from foo where ( date >= $__fromTime and date <= $__toTime ) limit 100',
        'select * from foo where ( date >= toDateTime(1415792726) and date <= toDateTime(1447328726) ) limit 100',
      ],
      [
        'select * from foo where ( date >= $__fromTime ) and ( date <= $__toTime ) limit 100',
        'select * from foo where ( date >= toDateTime(1415792726) ) and ( date <= toDateTime(1447328726) ) limit 100',
      ],
      [
        'select * from foo where ( date >= $__fromTime_ms and date <= $__toTime_ms ) limit 100',
        'select * from foo where ( date >= fromUnixTimestamp64Milli(1415792726123) and date <= fromUnixTimestamp64Milli(1447328726456) ) limit 100',
      ],
    ];
    for (const [input, output] of cases) expect(macro(input, p)).toBe(output);
  });

  it('takes arguments only from a bracket right after the name, and never a longer name', () => {
    // SDK: "don't consume args after a space" and "does not return matches for macro name which is substring".
    expect(macro('x >= $__fromTime AND f(y)')).toBe('x >= toDateTime(1415792726) AND f(y)');
    expect(macro('$__timeFilterEpoch(time_column)')).toBe('$__timeFilterEpoch(time_column)');
  });

  it('fails on a missing closing bracket and on a wrong argument count', () => {
    expect(() => macro('select * from foo where $__timeFilter(whoops')).toThrow(/missing closing bracket/);
    expect(() => macro('select * from foo where $__timeFilter(a, b)')).toThrow(/expected 1 argument, received 2/);
  });
});

describe('applyConditionalAll', () => {
  const sql = 'select stuff from table where $__conditionalAll(fieldVal in ($fieldVal), $fieldVal);';

  it('replaces $__conditionalAll with 1=1 when All is selected', () => {
    expect(applyConditionalAll(sql, { fieldVal: { current: [ALL], options: [] } })).toBe(
      'select stuff from table where 1=1;',
    );
  });

  it('keeps the condition when anything else is selected', () => {
    expect(applyConditionalAll(sql, { fieldVal: { current: ["'val1', 'val2'"], options: [] } })).toBe(
      'select stuff from table where fieldVal in ($fieldVal);',
    );
  });

  it('replaces every $__conditionalAll', () => {
    const two =
      'select stuff from table where $__conditionalAll(fieldVal in ($fieldVal), $fieldVal) and $__conditionalAll(fieldVal in ($fieldVal2), $fieldVal2);';
    expect(
      applyConditionalAll(two, {
        fieldVal: { current: ['val1'], options: [] },
        fieldVal2: { current: [ALL], options: [] },
      }),
    ).toBe('select stuff from table where fieldVal in ($fieldVal) and 1=1;');
  });

  it('treats an empty selection like All and keeps conditions on unknown variables', () => {
    expect(applyConditionalAll('$__conditionalAll(a = 1, $a)', { a: { current: [], options: [] } })).toBe('1=1');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's ${var} syntax, not a template literal
    expect(applyConditionalAll('$__conditionalAll(a = 1, ${a})', {})).toBe('a = 1');
  });
});

describe('replaceVariables', () => {
  const variables = {
    team: { current: ['checkout', 'payments'], options: ['checkout', 'payments', 'search'] },
    service: { current: [ALL], options: ['api', 'worker'] },
  };

  it("quotes and joins multi-value selections as the plugin's format does", () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's ${var} syntax, not a template literal
    expect(replaceVariables('team IN ($team) OR team IN (${team})', params({ variables }))).toBe(
      "team IN ('checkout','payments') OR team IN ('checkout','payments')",
    );
  });

  it('stands All for every option', () => {
    expect(replaceVariables('service IN ($service)', params({ variables }))).toBe("service IN ('api','worker')");
  });

  it('leaves the backend macros and unknown names to the next step', () => {
    expect(replaceVariables('$__timeFilter(ts) AND $__interval_s AND $nope', params({ variables }))).toBe(
      '$__timeFilter(ts) AND $__interval_s AND $nope',
    );
  });
});

describe('expandQuery', () => {
  it('applies the three steps in the order the plugin does', () => {
    const sql =
      'SELECT $__timeInterval(ts) AS time, count() FROM t WHERE $__timeFilter(ts) AND $__conditionalAll(team IN ($team), $team) GROUP BY time';
    const one = { team: { current: ['checkout'], options: ['checkout', 'payments'] } };
    expect(expandQuery(sql, params({ variables: one }))).toBe(
      "SELECT toStartOfInterval(toDateTime(ts), INTERVAL 20 second) AS time, count() FROM t WHERE ts >= toDateTime(1415792726) AND ts <= toDateTime(1447328726) AND team IN ('checkout') GROUP BY time",
    );
    const all = { team: { current: [ALL], options: ['checkout', 'payments'] } };
    expect(expandQuery(sql, params({ variables: all }))).toContain('AND 1=1 GROUP BY time');
  });
});

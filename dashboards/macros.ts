// What the Grafana ClickHouse data source (grafana-clickhouse-datasource v4) does to a panel's SQL before
// ClickHouse sees it, reimplemented for testing: the dashboard test expands every panel's query with this
// and runs it on the embedded engine. Grafana never runs this code.
//
// The plugin works in three steps, and so does expandQuery:
// 1. Frontend, CHDatasource.applyConditionalAll: `$__conditionalAll(condition, $var)` becomes `1=1` when
//    the variable is "All" or empty, else the condition, scanning from the last occurrence backwards.
// 2. Frontend, Grafana's templateSrv.replace with the plugin's format function: a multi-value variable
//    becomes `'a','b'` (joined, quoted, NOT escaped), a single value is inserted as is; "All" without a
//    custom all value means every option. Unknown names (`$__fromTime`, …) are left alone.
// 3. Backend, pkg/macros through the plugin SDK's sqlutil.Interpolate: `$__name` (a word boundary after
//    it), with arguments only when `(` follows at once; arguments split at top-level commas and trimmed.

/** Grafana's value for a multi-value variable set to "All". */
export const ALL = '$__all';

/** A template variable as Grafana holds it: the selection and the options it was chosen from. */
export interface VariableState {
  /** Selected values; `[ALL]` is "All". */
  current: readonly string[];
  /** Every value the variable's query returned (what "All" stands for). */
  options: readonly string[];
}

/** The panel's context: the dashboard time range and interval, and the variables' selections. */
export interface ExpandParams {
  /** Time range start, epoch milliseconds. */
  fromMs: number;
  /** Time range end, epoch milliseconds. */
  toMs: number;
  /** Grafana's interval for the panel, milliseconds (`$__interval_s`, `$__timeInterval`). */
  intervalMs: number;
  variables: Readonly<Record<string, VariableState>>;
}

/** Expands a panel's raw SQL the way the plugin does, in the plugin's order.
 *  @example expandQuery('SELECT 1 WHERE $__timeFilter(ts)', { fromMs: 0, toMs: 1000, intervalMs: 1000, variables: {} }) */
export function expandQuery(sql: string, params: ExpandParams): string {
  return interpolateMacros(replaceVariables(applyConditionalAll(sql, params.variables), params), params);
}

/** Step 1: `$__conditionalAll(condition, $var)`, as CHDatasource.applyConditionalAll does it. */
export function applyConditionalAll(rawQuery: string, variables: ExpandParams['variables']): string {
  if (!rawQuery) return rawQuery;
  const macro = '$__conditionalAll(';
  let query = rawQuery;
  let macroIndex = query.lastIndexOf(macro);
  while (macroIndex !== -1) {
    const params = conditionalAllArgs(query, macroIndex + macro.length - 1);
    // The plugin gives up on the whole query at the first malformed occurrence.
    if (params.length !== 2) return query;
    const [condition, variableParam] = params as [string, string];
    const name = /(?<=\$\{)[\w\d]+(?=\})|(?<=\$)[\w\d]+/.exec(variableParam.trim());
    let phrase = condition;
    if (name) {
      const value = variables[name[0]]?.current.toString();
      if (value === '' || value === ALL) phrase = '1=1';
    }
    // A string pattern, as in the plugin: only the first occurrence is replaced.
    query = query.replace(`${macro}${condition},${variableParam})`, phrase);
    macroIndex = query.lastIndexOf(macro);
  }
  return query;
}

/** The plugin's getMacroArgs: the arguments of the call whose `(` is at `argsIndex`, split at the
 *  commas one bracket deep; `[]` when the brackets never close. */
function conditionalAllArgs(query: string, argsIndex: number): string[] {
  const args: string[] = [];
  const re = /\(|\)|,/g;
  let depth = 0;
  let lastArgEnd = 1;
  const rest = query.substring(argsIndex);
  for (let m = re.exec(rest); m !== null; m = re.exec(rest)) {
    if (m[0] === '(') depth++;
    else if (m[0] === ')') depth--;
    if (m[0] === ',' && depth === 1) {
      args.push(rest.substring(lastArgEnd, re.lastIndex - 1));
      lastArgEnd = re.lastIndex;
    }
    if (depth === 0) {
      args.push(rest.substring(lastArgEnd, re.lastIndex - 1));
      return args;
    }
  }
  return [];
}

// Grafana's variable syntax: $name, [[name]] / [[name:format]], ${name} / ${name:format}.
const VARIABLE_RE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}/g;

/** Step 2: template variables, as templateSrv.replace does with the plugin's format function. */
export function replaceVariables(sql: string, params: ExpandParams): string {
  return sql.replace(VARIABLE_RE, (match, plain, bracket, bracketFormat, braced, _path, bracedFormat) => {
    const name: string = plain ?? bracket ?? braced;
    const format: string | undefined = bracketFormat ?? bracedFormat;
    const builtin = builtinVariable(name, params);
    if (builtin !== undefined) return builtin;
    const variable = params.variables[name];
    if (!variable) return match;
    // Grafana's isAllValue: the first selected value is the All marker.
    const isAll = variable.current[0] === ALL;
    const values = isAll ? [...variable.options] : [...variable.current];
    if (format === undefined) return formatForClickHouse(values);
    if (format === 'singlequote') return values.map((v) => `'${v.replace(/'/g, "\\'")}'`).join(',');
    if (format === 'csv') return values.join(',');
    throw new Error(`variable format ${format} in ${match} is not supported by the test expander`);
  });
}

/** The plugin's format function for an array: `'a','b'`, without escaping. Multi-value variables (the
 *  only kind the dashboards use) always hold arrays, so a single selection becomes `'a'`. */
function formatForClickHouse(values: readonly string[]): string {
  return `'${values.join("','")}'`;
}

/** The global variables templateSrv fills in itself; undefined for any other name. */
function builtinVariable(name: string, params: ExpandParams): string | undefined {
  if (name === '__from') return String(params.fromMs);
  if (name === '__to') return String(params.toMs);
  if (name === '__interval_ms') return String(params.intervalMs);
  return undefined;
}

type Macro = (args: readonly string[], params: ExpandParams) => string;

const toDateTime = (ms: number) => `toDateTime(${Math.floor(ms / 1000)})`;
const toDateTime64 = (ms: number) => `fromUnixTimestamp64Milli(${ms})`;
const toDate = (ms: number) => `toDate('${new Date(ms).toISOString().slice(0, 10)}')`;
const rfc3339 = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

/** A macro taking exactly `n` arguments; others fail as pkg/macros fails them. */
function takes(name: string, n: number, fn: (args: string[], p: ExpandParams) => string): Macro {
  return (args, p) => {
    if (args.length !== n)
      throw new Error(`$__${name}: unexpected number of arguments: expected ${n} argument, received ${args.length}`);
    return fn([...args], p);
  };
}

const range = (col: string, from: string, to: string) => `${col} >= ${from} AND ${col} <= ${to}`;
const intervalSeconds = (p: ExpandParams) => Math.trunc(Math.max(p.intervalMs / 1000, 1));

/** pkg/macros' table, plus the SDK's default timeFrom/timeTo (the plugin keeps them). */
const MACROS: Readonly<Record<string, Macro>> = {
  fromTime: (_a, p) => toDateTime(p.fromMs),
  toTime: (_a, p) => toDateTime(p.toMs),
  fromTime_ms: (_a, p) => toDateTime64(p.fromMs),
  toTime_ms: (_a, p) => toDateTime64(p.toMs),
  timeFilter: takes('timeFilter', 1, ([c], p) => range(c!, toDateTime(p.fromMs), toDateTime(p.toMs))),
  timeFilter_ms: takes('timeFilter_ms', 1, ([c], p) => range(c!, toDateTime64(p.fromMs), toDateTime64(p.toMs))),
  dateFilter: takes('dateFilter', 1, ([c], p) => range(c!, toDate(p.fromMs), toDate(p.toMs))),
  dateTimeFilter: takes('dateTimeFilter', 2, (a, p) => dateTimeFilter(a, p)),
  dt: takes('dt', 2, (a, p) => dateTimeFilter(a, p)),
  timeInterval: takes(
    'timeInterval',
    1,
    ([c], p) => `toStartOfInterval(toDateTime(${c}), INTERVAL ${intervalSeconds(p)} second)`,
  ),
  timeInterval_ms: takes(
    'timeInterval_ms',
    1,
    ([c], p) =>
      `toStartOfInterval(toDateTime64(${c}, 3), INTERVAL ${Math.trunc(Math.max(p.intervalMs, 1))} millisecond)`,
  ),
  interval_s: (_a, p) => String(intervalSeconds(p)),
  timeFrom: takes('timeFrom', 1, ([c], p) => `${c} >= '${rfc3339(p.fromMs)}'`),
  timeTo: takes('timeTo', 1, ([c], p) => `${c} <= '${rfc3339(p.toMs)}'`),
};

function dateTimeFilter([date, time]: string[], p: ExpandParams): string {
  const dates = range(date!, toDate(p.fromMs), toDate(p.toMs));
  return `(${dates}) AND (${range(time!, toDateTime(p.fromMs), toDateTime(p.toMs))})`;
}

/** Step 3: the backend macros, as sqlutil.Interpolate applies pkg/macros. Throws on a macro call
 *  whose brackets never close, as the SDK does. */
export function interpolateMacros(sql: string, params: ExpandParams): string {
  let out = sql;
  for (const [name, macro] of Object.entries(MACROS)) {
    for (const { text, args } of macroMatches(out, name)) {
      out = out.split(text).join(macro(args, params));
    }
  }
  return out;
}

/** Each `$__name` call in `sql`: its full text and its arguments (none unless `(` follows at once). */
function macroMatches(sql: string, name: string): { text: string; args: string[] }[] {
  const found: { text: string; args: string[] }[] = [];
  const re = new RegExp(`\\$__${name}\\b`, 'g');
  for (let m = re.exec(sql); m !== null; m = re.exec(sql)) {
    const start = m.index + m[0].length;
    if (sql[start] !== '(') {
      found.push({ text: m[0], args: [] });
      continue;
    }
    const parsed = parseArgs(sql, start);
    if (!parsed) throw new Error(`$__${name}: missing closing bracket in ${sql.slice(m.index, m.index + 60)}`);
    found.push({ text: sql.slice(m.index, parsed.end), args: parsed.args });
  }
  return found;
}

/** The arguments of the call whose `(` is at `open`, split at top-level commas and trimmed, and the
 *  index after its `)`; undefined when it never closes. */
function parseArgs(sql: string, open: number): { args: string[]; end: number } | undefined {
  const args: string[] = [];
  let depth = 0;
  let argStart = open + 1;
  for (let i = open; i < sql.length; i++) {
    const c = sql[i];
    if (c === '(') depth++;
    else if (c === ')') {
      depth--;
      if (depth === 0) {
        args.push(sql.slice(argStart, i).trim());
        return { args, end: i + 1 };
      }
    } else if (c === ',' && depth === 1) {
      args.push(sql.slice(argStart, i).trim());
      argStart = i + 1;
    }
  }
  return undefined;
}

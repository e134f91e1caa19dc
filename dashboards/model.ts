// Builders for the Grafana dashboard JSON (schemaVersion 39, Grafana 11) of the AEGIS dashboards: panels
// whose targets use the ClickHouse plugin's v4 query model, the shared template variables, and a flow
// layout, so a dashboard definition is a list of titled SQL queries.

/** The plugin's type id. */
export const PLUGIN_TYPE = 'grafana-clickhouse-datasource';
/** Any v4 version: targets without pluginVersion >= 4.0.0 are migrated as v3 queries by the plugin. */
export const PLUGIN_VERSION = '4.11.2';
/** The provisioned datasource (dashboards/provisioning/datasources/clickhouse.yaml). */
export const DATASOURCE_UID = 'aegis-clickhouse';
/** Every panel and variable reads through the `datasource` variable. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's ${var} syntax, not a template literal
export const DATASOURCE_REF = { type: PLUGIN_TYPE, uid: '${datasource}' } as const;

/** Panel types the dashboards use, with what each needs from its query (checked by the dashboard test). */
export type PanelType = 'stat' | 'gauge' | 'bargauge' | 'timeseries' | 'piechart' | 'table';

/** A panel as a dashboard definition states it. */
export interface PanelSpec {
  title: string;
  type: PanelType;
  sql: string;
  description: string;
  /** Grafana unit id (`percentunit`, `currencyUSD`, `s`, `short`, …). */
  unit?: string;
  /** Width in grid columns (of 24). @default by type */
  width?: number;
  /** Height in grid rows. @default 8 (stat and gauge 4) */
  height?: number;
  decimals?: number;
  min?: number;
  max?: number;
  /** Threshold steps after the base colour: value, colour. */
  thresholds?: { value: number; color: string }[];
  /** Base threshold colour. @default green */
  baseColor?: string;
}

/** A row header grouping the panels after it. */
export interface RowSpec {
  row: string;
}

/** A dashboard as its definition states it. */
export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  /** Default time range, Grafana syntax. @default now-7d */
  from?: string;
  items: (PanelSpec | RowSpec)[];
}

const DEFAULT_WIDTH: Record<PanelType, number> = {
  stat: 4,
  gauge: 4,
  bargauge: 8,
  timeseries: 12,
  piechart: 8,
  table: 24,
};

/** `condition` when the variable has a concrete selection, `1=1` on "All" (the plugin's macro). */
export const when = (variable: 'team' | 'service' | 'environment', column: string) =>
  `$__conditionalAll(${column} IN ($${variable}), $${variable})`;

/** A query variable of the plugin (SQL editor, table format), multi-value with "All". */
function queryVariable(name: string, label: string, sql: string): object {
  return {
    type: 'query',
    name,
    label,
    datasource: DATASOURCE_REF,
    // queryType 'sql' is the plugin's "Custom SQL" variable type (CHVariableSupport); editorType and
    // format keep versions that run variable queries as panel queries on the SQL editor, as a table.
    query: { refId: `${name}-variable`, queryType: 'sql', editorType: 'sql', format: 1, rawSql: sql },
    definition: sql,
    multi: true,
    includeAll: true,
    current: { selected: true, text: ['All'], value: ['$__all'] },
    options: [],
    // 2: on time range change, so the lists follow the data the range holds.
    refresh: 2,
    regex: '',
    sort: 1,
    hide: 0,
  };
}

/** The template variables every AEGIS dashboard has. Teams and services come from the inventory and the
 *  SLOs; services cascade from the teams chosen; environments exist only in the inventory and cost. */
export const VARIABLE_QUERIES = {
  team: `SELECT DISTINCT team FROM (
  SELECT owner AS team FROM resources_latest FINAL
  UNION ALL
  SELECT team FROM slo_status WHERE $__timeFilter(computed_at)
) WHERE team != '' ORDER BY team`,
  service: `SELECT DISTINCT service FROM (
  SELECT service, owner AS team FROM resources_latest FINAL
  UNION ALL
  SELECT service, team FROM slo_status WHERE $__timeFilter(computed_at)
) WHERE service != '' AND ${when('team', 'team')} ORDER BY service`,
  environment: `SELECT DISTINCT env FROM resources_latest FINAL WHERE env != '' ORDER BY env`,
} as const;

function templating(): object {
  return {
    list: [
      {
        type: 'datasource',
        name: 'datasource',
        label: 'Data source',
        query: PLUGIN_TYPE,
        current: { selected: true, text: 'AEGIS ClickHouse', value: DATASOURCE_UID },
        options: [],
        refresh: 1,
        regex: '',
        hide: 0,
      },
      queryVariable('team', 'Team', VARIABLE_QUERIES.team),
      queryVariable('service', 'Service', VARIABLE_QUERIES.service),
      queryVariable('environment', 'Environment', VARIABLE_QUERIES.environment),
    ],
  };
}

function fieldConfig(p: PanelSpec): object {
  const defaults: Record<string, unknown> = {
    unit: p.unit ?? 'short',
    thresholds: {
      mode: 'absolute',
      steps: [{ color: p.baseColor ?? 'green', value: null }, ...(p.thresholds ?? [])],
    },
    color: { mode: p.type === 'timeseries' || p.type === 'piechart' ? 'palette-classic' : 'thresholds' },
  };
  if (p.decimals !== undefined) defaults.decimals = p.decimals;
  if (p.min !== undefined) defaults.min = p.min;
  if (p.max !== undefined) defaults.max = p.max;
  if (p.type === 'timeseries') defaults.custom = { drawStyle: 'line', lineWidth: 1, fillOpacity: 10, spanNulls: true };
  return { defaults, overrides: [] };
}

function options(type: PanelType): object {
  // Table-format rows: stat, gauge, bar gauge and pie show every row, not a reduction of one column.
  const everyRow = { values: true, calcs: [], fields: '' };
  switch (type) {
    case 'stat':
      return {
        reduceOptions: { values: false, calcs: ['lastNotNull'], fields: '' },
        colorMode: 'value',
        graphMode: 'none',
        textMode: 'auto',
      };
    case 'gauge':
      return { reduceOptions: { values: false, calcs: ['lastNotNull'], fields: '' }, showThresholdMarkers: true };
    case 'bargauge':
      return { reduceOptions: everyRow, orientation: 'horizontal', displayMode: 'gradient', showUnfilled: true };
    case 'piechart':
      return {
        reduceOptions: everyRow,
        pieType: 'donut',
        legend: { displayMode: 'table', placement: 'right', values: ['value'] },
      };
    case 'timeseries':
      return { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi' } };
    case 'table':
      return { showHeader: true, cellHeight: 'sm' };
  }
}

/** The Grafana JSON of a dashboard: panels laid out left to right, rows full width. */
export function buildDashboard(spec: DashboardSpec): object {
  const panels: object[] = [];
  let id = 1;
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  const newLine = () => {
    y += rowHeight;
    x = 0;
    rowHeight = 0;
  };
  for (const item of spec.items) {
    if ('row' in item) {
      newLine();
      panels.push({
        type: 'row',
        id: id++,
        title: item.row,
        collapsed: false,
        gridPos: { h: 1, w: 24, x: 0, y },
        panels: [],
      });
      y += 1;
      continue;
    }
    const w = item.width ?? DEFAULT_WIDTH[item.type];
    const h = item.height ?? (item.type === 'stat' || item.type === 'gauge' ? 4 : 8);
    if (x + w > 24) newLine();
    const timeseries = item.type === 'timeseries';
    panels.push({
      type: item.type,
      id: id++,
      title: item.title,
      description: item.description,
      datasource: DATASOURCE_REF,
      gridPos: { h, w, x, y },
      fieldConfig: fieldConfig(item),
      options: options(item.type),
      targets: [
        {
          refId: 'A',
          datasource: DATASOURCE_REF,
          editorType: 'sql',
          // The plugin's (and sqlutil's) numeric formats: 0 time series, 1 table.
          format: timeseries ? 0 : 1,
          queryType: timeseries ? 'timeseries' : 'table',
          pluginVersion: PLUGIN_VERSION,
          rawSql: item.sql,
        },
      ],
    });
    x += w;
    rowHeight = Math.max(rowHeight, h);
  }
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: ['aegis', ...spec.tags],
    editable: true,
    graphTooltip: 1,
    schemaVersion: 39,
    version: 1,
    refresh: '5m',
    time: { from: spec.from ?? 'now-7d', to: 'now' },
    timepicker: {},
    timezone: 'utc',
    fiscalYearStartMonth: 0,
    liveNow: false,
    links: [
      { type: 'dashboards', tags: ['aegis'], asDropdown: true, title: 'AEGIS', includeVars: true, keepTime: true },
    ],
    annotations: {
      list: [
        {
          builtIn: 1,
          datasource: { type: 'grafana', uid: '-- Grafana --' },
          enable: true,
          hide: true,
          iconColor: 'rgba(0, 211, 255, 1)',
          name: 'Annotations & Alerts',
          type: 'dashboard',
        },
      ],
    },
    templating: templating(),
    panels,
  };
}

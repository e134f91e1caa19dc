// Writes the AEGIS Grafana dashboards (dashboards/provisioning/dashboards/json/*.json) from their
// definitions, then formats them as biome does: `node bin/run-ts.js dashboards/generate.ts`. Grafana
// loads the JSON files; the definitions keep the SQL readable and the layout, ids and plugin query
// model consistent. dashboards/generate.test.ts fails when the files and the definitions differ.

import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { actions } from './definitions/actions.ts';
import { cost } from './definitions/cost.ts';
import { governance } from './definitions/governance.ts';
import { overview } from './definitions/overview.ts';
import { reliability } from './definitions/reliability.ts';
import { buildDashboard, type DashboardSpec } from './model.ts';

/** The dashboard definitions, in the order of the AEGIS folder. */
export const DASHBOARDS: readonly DashboardSpec[] = [overview, reliability, cost, governance, actions];

/** Where Grafana's provider (dashboards/provisioning/dashboards/aegis.yaml) loads dashboards from. */
export const DASHBOARD_DIR = fileURLToPath(new URL('./provisioning/dashboards/json/', import.meta.url));

/** Each dashboard's file name and JSON text, as written to {@link DASHBOARD_DIR}. */
export function renderDashboards(): { file: string; text: string }[] {
  return DASHBOARDS.map((spec) => ({
    file: `${spec.uid}.json`,
    text: `${JSON.stringify(buildDashboard(spec), null, 2)}\n`,
  }));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const files = renderDashboards().map(({ file, text }) => {
    writeFileSync(join(DASHBOARD_DIR, file), text);
    return join(DASHBOARD_DIR, file);
  });
  execFileSync('npx', ['biome', 'format', '--write', ...files], { stdio: 'inherit' });
}

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DASHBOARD_DIR, DASHBOARDS, renderDashboards } from './generate.ts';

describe('dashboard files', () => {
  it('hold exactly what the definitions build (run dashboards/generate.ts after changing one)', () => {
    const files = readdirSync(DASHBOARD_DIR).filter((f) => f.endsWith('.json'));
    const rendered = renderDashboards();
    expect(files.sort()).toEqual(rendered.map((r) => r.file).sort());
    for (const { file, text } of rendered) {
      expect(JSON.parse(readFileSync(join(DASHBOARD_DIR, file), 'utf8')), file).toEqual(JSON.parse(text));
    }
  });

  it('give every dashboard its own uid and title', () => {
    expect(new Set(DASHBOARDS.map((d) => d.uid)).size).toBe(DASHBOARDS.length);
    expect(new Set(DASHBOARDS.map((d) => d.title)).size).toBe(DASHBOARDS.length);
  });
});

import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AegisConfig } from '../../core/config/index.ts';
import { simulatedPlatformConfig } from '../../ingest/components.ts';
import { buildCatalog, parseSimulatorConfig, type SimulatorConfigInput } from '../../ingest/simulator/index.ts';
import { catalogFiles, sloFiles } from '../catalog/generate.ts';
import { type Catalog, loadCatalog, loadSlos, type SloDefinition } from '../catalog/index.ts';

/** The catalog and SLOs a scorer works from, and where they were read. */
export interface Definitions {
  catalog: Catalog;
  slos: SloDefinition[];
  catalogDir: string;
  sloDir: string;
}

/** Writes the simulated platform's catalog and SLOs under `<dataDir>/simulator/`, so a simulator
 *  of any size or seed is scored against a catalog that matches it. */
export function writeSimulatorDefinitions(
  dataDir: string,
  platform: SimulatorConfigInput,
): { catalogDir: string; sloDir: string } {
  const estate = buildCatalog(parseSimulatorConfig(platform));
  const root = join(dataDir, 'simulator');
  const dirs = { catalogDir: join(root, 'catalog'), sloDir: join(root, 'slos') };
  for (const dir of Object.values(dirs)) {
    mkdirSync(dir, { recursive: true });
    for (const name of readdirSync(dir)) if (/\.ya?ml$/.test(name)) rmSync(join(dir, name));
  }
  for (const f of catalogFiles(estate)) writeFileSync(join(root, f.path), f.text);
  for (const f of sloFiles(estate)) writeFileSync(join(root, f.path), f.text);
  return dirs;
}

/** Loads the configured catalog and SLOs; a bad file fails here, naming file, entity and field.
 *  Unset directories mean the simulated platform's definitions when the simulator runs, else
 *  `./catalog` and `./slos`. */
export function loadDefinitions(config: AegisConfig): Definitions {
  let { catalogDir, sloDir } = config.scoring;
  if (!catalogDir || !sloDir) {
    const fallback = config.simulator.enabled
      ? writeSimulatorDefinitions(config.dataDir, simulatedPlatformConfig(config))
      : { catalogDir: './catalog', sloDir: './slos' };
    catalogDir ||= fallback.catalogDir;
    sloDir ||= fallback.sloDir;
  }
  const catalog = loadCatalog(catalogDir);
  const slos = loadSlos(sloDir, catalog);
  return { catalog, slos, catalogDir, sloDir };
}

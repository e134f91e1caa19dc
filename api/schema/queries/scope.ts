import { NotFoundError } from '../../../core/errors.ts';
import type { Catalog, CatalogService } from '../../../scoring/catalog/index.ts';
import type { ApiContext } from '../../context.ts';

/** The team a request is limited to (its key's team), or null when it sees every team. */
export function scopeTeam(ctx: ApiContext): string | null {
  return ctx.principal?.team ?? null;
}

/** A service's owning team as scoring assigns it: the catalog Group, else the owner's name. */
export function teamOfService(catalog: Catalog, s: CatalogService): string {
  return catalog.teamOf(s)?.name ?? s.owner;
}

/** Orders by name in code-point order, the order name cursors compare in (localeCompare would not
 *  agree with `>` on names with hyphens, and pages would skip or repeat). */
export const byName = (a: { name: string }, b: { name: string }): number =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

const sortedServices = new WeakMap<Catalog, readonly CatalogService[]>();

/** A catalog's services by name, sorted once per catalog (a catalog is replaced, not changed, on reload). */
export function servicesByName(catalog: Catalog): readonly CatalogService[] {
  let sorted = sortedServices.get(catalog);
  if (!sorted) {
    sorted = Object.freeze([...catalog.services].sort(byName));
    sortedServices.set(catalog, sorted);
  }
  return sorted;
}

/** A visible service by name; another team's service is NOT_FOUND, as if it did not exist. */
export function requireService(ctx: ApiContext, name: string): CatalogService {
  const catalog = ctx.services.catalog();
  const s = catalog.serviceByName(name);
  const team = scopeTeam(ctx);
  if (!s || (team !== null && teamOfService(catalog, s) !== team)) {
    throw new NotFoundError(`service ${JSON.stringify(name)} not found`);
  }
  return s;
}

/** SQL conditions and parameters for a `team` column: the key's scope and, when asked, one team
 *  (both apply: asking for another team than one's own finds nothing). */
export function teamConditions(
  ctx: ApiContext,
  requested: string | null | undefined,
  column = 'team',
): { where: string[]; params: Record<string, string> } {
  const where: string[] = [];
  const params: Record<string, string> = {};
  const scoped = scopeTeam(ctx);
  if (scoped !== null) {
    where.push(`${column} = {scopeTeam:String}`);
    params.scopeTeam = scoped;
  }
  if (requested !== null && requested !== undefined) {
    where.push(`${column} = {team:String}`);
    params.team = requested;
  }
  return { where, params };
}

/** {@link teamConditions} (`team` column) plus `column = value` for each value given; a null or undefined
 *  value adds no condition. */
export function equalsConditions(
  ctx: ApiContext,
  team: string | null | undefined,
  values: Record<string, string | null | undefined>,
): { where: string[]; params: Record<string, string> } {
  const out = teamConditions(ctx, team);
  for (const [column, value] of Object.entries(values)) {
    if (value === null || value === undefined) continue;
    out.where.push(`${column} = {${column}:String}`);
    out.params[column] = value;
  }
  return out;
}

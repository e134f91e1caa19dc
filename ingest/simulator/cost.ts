import type { CostRecordInput } from '../../schemas/index.ts';
import type { ResourceType } from './catalog-types.ts';
import { usageOver } from './changes.ts';
import { indexBy, resourceEffectAt } from './effects.ts';
import { HOUR_MS, loadFactor, roundTo } from './load.ts';
import type { Model, ResourceModel } from './model.ts';
import { hashNormal } from './random.ts';

/** FOCUS `ServiceName`, `ServiceCategory` and `ResourceType` of each kind of resource. */
export const FOCUS_SERVICES: Record<ResourceType, { serviceName: string; category: string; resourceType: string }> = {
  vm: { serviceName: 'Amazon Elastic Compute Cloud', category: 'Compute', resourceType: 'Virtual Machine' },
  'k8s-node': { serviceName: 'Amazon Elastic Compute Cloud', category: 'Compute', resourceType: 'Kubernetes Node' },
  db: { serviceName: 'Amazon Relational Database Service', category: 'Databases', resourceType: 'Database Instance' },
  bucket: { serviceName: 'Amazon Simple Storage Service', category: 'Storage', resourceType: 'Storage Bucket' },
};

const REGION_NAMES: Record<string, string> = {
  'eu-west-1': 'Europe (Ireland)',
  'us-east-1': 'US East (N. Virginia)',
};

/** Hour indexes whose period ends inside [fromMs, toMs): hourly records are stamped at the end of
 *  the hour they describe, so a live stream never sees an hour before it is over. */
export function hoursEndingIn(fromMs: number, toMs: number): { first: number; end: number } {
  return { first: Math.ceil(fromMs / HOUR_MS) - 1, end: Math.ceil(toMs / HOUR_MS) - 1 };
}

/** Usage factor of one resource-hour: compute bills the full hour, databases add a little I/O,
 *  storage follows stored bytes and requests. */
function usageFactor(m: ResourceModel, hour: number, startMs: number): number {
  const type = m.resource.type;
  if (type === 'vm' || type === 'k8s-node') return 1;
  const n = hashNormal(m.keys.cost, hour);
  if (type === 'db') return 1 + 0.03 * Math.abs(n);
  return (1 + 0.05 * n) * (0.9 + 0.1 * loadFactor(startMs, m.phaseHours));
}

/** One FOCUS usage row per resource per hour whose period ends within [fromMs, toMs). Untagged
 *  resources carry empty `Tags`; cost drift incidents raise BilledCost along their window. Capacity
 *  changes (`scale_up`, `rightsize`) multiply the cost for the part of the hour they are in effect;
 *  a stopped resource bills nothing (its row stays, with zero cost and quantity). */
export function generateCost(model: Model, fromMs: number, toMs: number): CostRecordInput[] {
  const { first, end } = hoursEndingIn(fromMs, toMs);
  if (end <= first) return [];
  const byResource = indexBy(model.incidents.overlapping(first * HOUR_MS, end * HOUR_MS), 'resource');
  const billingAccountId = model.catalog.accounts.production;
  const { resourceCapacity, resourceStops } = model.changes;
  const capacity = model.resources.map((m) => resourceCapacity.get(m.resource.id));
  const stops = model.resources.map((m) => resourceStops.get(m.resource.id));
  const out: CostRecordInput[] = [];
  for (let hour = first; hour < end; hour++) {
    const startMs = hour * HOUR_MS;
    model.resources.forEach((m, i) => {
      const r = m.resource;
      const focus = FOCUS_SERVICES[r.type];
      const effect = resourceEffectAt(byResource.get(r.id), startMs, r.memoryBase);
      const use = usageOver(capacity[i], stops[i], startMs, startMs + HOUR_MS);
      const factor = usageFactor(m, hour, startMs) * effect.costFactor * use.capacity;
      const cost = roundTo(r.hourlyCost * factor, 8);
      const isBucket = r.type === 'bucket';
      // Buckets are never stopped nor resized, so only compute hours shrink with a stop.
      const gibHours = isBucket ? roundTo((r.hourlyCost / (0.023 / 730)) * factor, 4) : roundTo(use.running, 4);
      out.push({
        ChargePeriodStart: startMs,
        ChargePeriodEnd: startMs + HOUR_MS,
        // BillingPeriodStart/End stay unset: the running month's end lies in the future, which the
        // record schema refuses, and setting them only for past months would make rows depend on
        // the wall clock.
        // On-demand prices: no discount, so list, billed and effective cost agree.
        BilledCost: cost,
        EffectiveCost: cost,
        ListCost: cost,
        BillingCurrency: 'USD',
        BillingAccountId: billingAccountId,
        BillingAccountName: 'aegis-simulated-payer',
        SubAccountId: r.account,
        SubAccountName: r.env,
        ProviderName: 'AWS',
        PublisherName: 'Amazon Web Services',
        InvoiceIssuerName: 'Amazon Web Services',
        ServiceName: focus.serviceName,
        ServiceCategory: focus.category,
        ChargeCategory: 'Usage',
        ChargeFrequency: 'Usage-Based',
        ChargeDescription: isBucket ? 'Standard storage, GiB-hours' : `${r.instanceType} on-demand instance hour`,
        PricingCategory: 'Standard',
        PricingQuantity: gibHours,
        PricingUnit: isBucket ? 'GiB-Hours' : 'Hours',
        ConsumedQuantity: gibHours,
        ConsumedUnit: isBucket ? 'GiB-Hours' : 'Hours',
        ResourceId: r.id,
        ResourceName: r.name,
        ResourceType: focus.resourceType,
        RegionId: r.region,
        RegionName: REGION_NAMES[r.region] ?? r.region,
        SkuId: r.instanceType,
        Tags: { ...r.tags },
      });
    });
  }
  return out;
}

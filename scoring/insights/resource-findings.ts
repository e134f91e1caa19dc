import type { InventoryResource } from '../inputs/inventory.ts';
import { HOURS_PER_MONTH } from '../scorers/index.ts';
import type { Evidence } from '../types.ts';
import type { Finding } from './types.ts';

/** Thresholds of the resource findings. */
export interface ResourceFindingOptions {
  fromMs: number;
  toMs: number;
  /** Tags every catalogued resource must carry. @default ['team', 'service', 'env'] */
  requiredTags?: readonly string[];
  /** Mean CPU and memory both below: idle. @default 0.05 */
  idleUtilization?: number;
  /** p95 CPU and memory both below: would fit half its size. @default 0.4 */
  oversizedP95?: number;
  /** Fewest hourly snapshots before utilisation is judged. @default 24 */
  minSamples?: number;
}

/** Where a resource sits in the catalog, if it is there. */
export interface CatalogPlacement {
  service: string;
  team: string;
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const usd = (x: number) => `$${x.toFixed(2)}`;
const shortId = (id: string) => id.split(/[/:]/).pop() || id;

/** Idle, oversized, shadow and untagged resources, from the inventory and the catalog. */
export function resourceFindings(
  resources: readonly InventoryResource[],
  placement: (id: string) => CatalogPlacement | undefined,
  options: ResourceFindingOptions,
): Finding[] {
  const required = options.requiredTags ?? ['team', 'service', 'env'];
  const idleAt = options.idleUtilization ?? 0.05;
  const oversizedAt = options.oversizedP95 ?? 0.4;
  const minSamples = options.minSamples ?? 24;
  const out: Finding[] = [];
  for (const r of resources) {
    if (r.state !== 'running') continue;
    const placed = placement(r.id);
    const service = placed?.service ?? r.service;
    const team = placed?.team ?? r.owner;
    const source = { table: 'resources', filter: { resource_id: r.id }, fromMs: options.fromMs, toMs: options.toMs };
    const base = { subject: r.id, service, team };
    const monthly = r.hourlyCost * HOURS_PER_MONTH;
    const usage: Evidence = {
      kind: 'utilisation',
      subject: r.id,
      description: `mean CPU ${pct(r.cpuAvg ?? 0)}, memory ${pct(r.memAvg ?? 0)}; p95 CPU ${pct(r.cpuP95 ?? 0)}, memory ${pct(r.memP95 ?? 0)} over ${r.samples} hourly snapshots`,
      value: Math.max(r.cpuAvg ?? 0, r.memAvg ?? 0),
      source,
    };
    const measured = r.cpuAvg !== null && r.memAvg !== null && r.samples >= minSamples;
    // More snapshots, more confidence: a week of them is as sure as the inventory gets.
    const confidence = Math.min(0.95, 0.5 + (0.45 * r.samples) / 168);
    if (measured && (r.cpuAvg as number) < idleAt && (r.memAvg as number) < idleAt) {
      out.push({
        ...base,
        kind: 'idle_resource',
        severity: 'warning',
        title: `${shortId(r.id)} is idle`,
        summary: `${r.type} ${shortId(r.id)} of ${service || 'no service'} used under ${pct(idleAt)} CPU and memory; it costs ${usd(monthly)} a month`,
        score: confidence,
        evidence: [{ ...usage, threshold: idleAt }],
        recommendations: [
          {
            type: 'stop_idle',
            subject: r.id,
            title: `Stop idle ${shortId(r.id)}`,
            rationale: `No meaningful use over ${r.samples} hours; stopping it saves its whole cost.`,
            impactUsdMonth: monthly,
            impactRisk: 'low: the resource serves no measurable load',
            confidence,
            finops: true,
            evidence: [{ ...usage, threshold: idleAt }],
          },
        ],
      });
    } else if (
      measured &&
      r.cpuP95 !== null &&
      r.memP95 !== null &&
      r.cpuP95 < oversizedAt &&
      r.memP95 < oversizedAt &&
      r.provisionedVcpu !== null
    ) {
      out.push({
        ...base,
        kind: 'oversized_resource',
        severity: 'info',
        title: `${shortId(r.id)} is oversized`,
        summary: `${r.type} ${shortId(r.id)} peaks (p95) at ${pct(r.cpuP95)} CPU and ${pct(r.memP95)} memory: half its size would do`,
        score: confidence * 0.8,
        evidence: [{ ...usage, value: Math.max(r.cpuP95, r.memP95), threshold: oversizedAt }],
        recommendations: [
          {
            type: 'rightsize',
            subject: r.id,
            title: `Rightsize ${shortId(r.id)} to half its capacity`,
            rationale: `p95 utilisation stays under ${pct(oversizedAt)}: the next size down keeps p95 under ${pct(2 * oversizedAt)}.`,
            impactUsdMonth: monthly / 2,
            impactRisk: 'medium: less headroom for peaks; watch saturation after the change',
            confidence: confidence * 0.8,
            finops: true,
            evidence: [{ ...usage, value: Math.max(r.cpuP95, r.memP95), threshold: oversizedAt }],
          },
        ],
      });
    }
    if (!placed) {
      out.push({
        ...base,
        kind: 'shadow_resource',
        severity: 'warning',
        title: `${shortId(r.id)} is not in the catalog`,
        summary: `${r.type} ${r.id} costs ${usd(monthly)} a month and belongs to no catalogued service${r.owner ? '' : ' or owner'}`,
        score: 0.9,
        evidence: [
          {
            kind: 'uncatalogued-resource',
            subject: r.id,
            description: `seen in the inventory (${r.samples} snapshots) but absent from the service catalog`,
            value: monthly,
            source,
          },
        ],
        recommendations: [],
      });
    } else {
      const missing = required.filter((t) => !r.tags[t]);
      if (missing.length > 0) {
        out.push({
          ...base,
          kind: 'untagged_resource',
          severity: 'info',
          title: `${shortId(r.id)} lacks tags ${missing.join(', ')}`,
          summary: `${r.type} ${r.id} of ${service} misses the required tags ${missing.join(', ')}: its cost cannot be allocated by tag`,
          score: missing.length / required.length,
          evidence: [
            {
              kind: 'missing-tags',
              subject: r.id,
              description: `tags present: ${Object.keys(r.tags).join(', ') || 'none'}; required: ${required.join(', ')}`,
              value: missing.length,
              source,
            },
          ],
          recommendations: [],
        });
      }
    }
  }
  return out;
}

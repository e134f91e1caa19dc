import { z } from 'zod';
import { InputError } from '../../core/errors.ts';
import type { Catalog } from '../../scoring/catalog/index.ts';
import type { PolicyInput } from '../policy/index.ts';
import { ACTION_TYPES, type ActionTypeSpec, actionTypeSpec } from './action-types.ts';

/** A proposed action as analysts, agents and recommendations send it. */
export const proposalSchema = z.strictObject({
  type: z.string().min(1).max(64),
  /** Name what to act on: `service` for service actions; `resourceId` (the cloud id) for resource
   *  actions; `principal` for access actions, with the `service` whose access it is when known
   *  (without one, the security role owns the principal). */
  target: z.strictObject({
    service: z.string().min(1).max(256).optional(),
    resourceId: z.string().min(1).max(2048).optional(),
    principal: z.string().min(1).max(2048).optional(),
  }),
  params: z.record(z.string(), z.unknown()).default({}),
  /** Why, in words; kept in the audit record. */
  reason: z.string().max(4000).default(''),
  /** The recommendation this carries out, if any. */
  recommendationId: z.string().min(1).max(256).optional(),
  /** A proposer's retry with the same key gets the action it created the first time. */
  idempotencyKey: z.string().min(1).max(256).optional(),
  /** The proposer's estimate; AEGIS estimates what is left out. */
  impact: z
    .strictObject({
      costUsdMonth: z.number().min(-1e9).max(1e9).optional(),
      errorBudgetCost: z.number().min(0).max(1).optional(),
    })
    .optional(),
});
/** A proposal as callers write it. */
export type ProposalParams = z.input<typeof proposalSchema>;
/** A validated proposal. */
export type Proposal = z.output<typeof proposalSchema>;
/** Who proposes, approves or executes: a person, an agent or AEGIS itself. */
export type Actor = PolicyInput['actor'];
/** The catalog entity an action touches, as policy sees it. */
export type PolicyTarget = PolicyInput['target'];

/** A proposal checked against the action types and the catalog. */
export interface ResolvedProposal {
  proposal: Proposal;
  spec: ActionTypeSpec;
  /** Parameters with their defaults filled in. */
  params: Record<string, unknown>;
  target: PolicyTarget;
  /** How many resources the change touches. */
  blastRadius: number;
}

/** Validates a proposal and resolves its target in the catalog. Every refusal is an InputError that
 *  names the field: an unknown type lists the known ones, a missing or unknown target says which. */
export function resolveProposal(input: unknown, catalog: Catalog): ResolvedProposal {
  const parsed = proposalSchema.safeParse(input);
  if (!parsed.success) throw new InputError(`invalid proposal: ${issuesText(parsed.error)}`);
  const proposal = parsed.data;
  const spec = actionTypeSpec(proposal.type);
  if (!spec) {
    throw new InputError(`unknown action type "${proposal.type}" (known: ${Object.keys(ACTION_TYPES).join(', ')})`, {
      location: 'type',
    });
  }
  const params = spec.params.safeParse(proposal.params);
  if (!params.success) {
    throw new InputError(`invalid params for ${spec.type}: ${issuesText(params.error, 'params')}`, {
      location: 'params',
    });
  }
  return { proposal, spec, params: params.data, ...resolveTarget(spec, proposal.target, catalog) };
}

function resolveTarget(
  spec: ActionTypeSpec,
  target: Proposal['target'],
  catalog: Catalog,
): { target: PolicyTarget; blastRadius: number } {
  const need = (field: keyof Proposal['target']) => {
    const value = target[field];
    if (value === undefined) {
      throw new InputError(`${spec.type} acts on a ${spec.target}: target.${field} is required`, {
        location: `target.${field}`,
      });
    }
    return value;
  };
  if (spec.target === 'resource') {
    const id = need('resourceId');
    const resource = catalog.resourceById(id);
    if (!resource) {
      throw new InputError(
        `target.resourceId ${id} is not in the catalog (an uncatalogued resource has no owner to ask)`,
        {
          location: 'target.resourceId',
        },
      );
    }
    const service = resource.service ? catalog.serviceByName(resource.service) : undefined;
    return {
      target: {
        kind: 'resource',
        name: resource.name,
        service: resource.service ?? resource.name,
        owner: resource.owner,
        tier: service?.tier ?? 'tier-3',
        env: resource.env ?? service?.envs[0] ?? 'prod',
        resourceId: resource.id,
        tags: resource.tags,
      },
      blastRadius: 1,
    };
  }
  if (spec.target === 'principal' && target.service === undefined) {
    // A principal seen in the access logs belongs to no catalogued service: security owns it, so `$owner`
    // routes to the security role.
    const principal = need('principal');
    return {
      target: {
        kind: 'principal',
        name: principal,
        service: principal,
        owner: 'security',
        tier: 'tier-2',
        env: 'production',
        resourceId: principal,
        tags: [],
      },
      blastRadius: 1,
    };
  }
  const name = need('service');
  const service = catalog.serviceByName(name);
  if (!service) throw new InputError(`target.service ${name} is not in the catalog`, { location: 'target.service' });
  const base = {
    service: service.name,
    owner: service.owner,
    tier: service.tier,
    env: service.envs[0] ?? 'prod',
    tags: service.tags,
  };
  if (spec.target === 'principal') {
    const principal = need('principal');
    return { target: { kind: 'principal', name: principal, resourceId: principal, ...base }, blastRadius: 1 };
  }
  const resources = catalog.resources.filter((r) => r.service === service.name).length;
  return { target: { kind: 'service', name: service.name, ...base }, blastRadius: Math.max(1, resources) };
}

/** `field: message; field: message`, the first few issues of a zod error. */
function issuesText(error: z.ZodError, prefix?: string): string {
  return error.issues
    .slice(0, 5)
    .map((i) => {
      const path = [...(prefix ? [prefix] : []), ...i.path.map(String)].join('.');
      return path ? `${path}: ${i.message}` : i.message;
    })
    .join('; ');
}

import { GraphQLJSON } from 'graphql-scalars';
import { Field, Float, InputType } from 'type-graphql';
import { RecommendationType, Severity } from '../queries/insight-types.ts';

@InputType({ description: 'Which actions to list (all given conditions apply).' })
export class ActionFilter {
  @Field(() => String, { nullable: true, description: 'Current state: `pending_approval`, `approved`, …' })
  state?: string | null;
  @Field(() => String, { nullable: true })
  type?: string | null;
  @Field(() => String, { nullable: true })
  team?: string | null;
  @Field(() => String, { nullable: true })
  service?: string | null;
}

@InputType({ description: 'What an action acts on: `service`, `resourceId` or `principal`, by action type.' })
export class ActionTargetInput {
  @Field(() => String, { nullable: true })
  service?: string | null;
  @Field(() => String, { nullable: true, description: 'The cloud resource id, for resource actions.' })
  resourceId?: string | null;
  @Field(() => String, { nullable: true, description: 'A user or role, for access actions.' })
  principal?: string | null;
}

@InputType({ description: "The proposer's estimate; AEGIS estimates what is left out." })
export class ActionImpactInput {
  @Field(() => Float, { nullable: true })
  costUsdMonth?: number | null;
  @Field(() => Float, { nullable: true })
  errorBudgetCost?: number | null;
}

@InputType({ description: 'A proposed action.' })
export class ProposeActionInput {
  @Field(() => String, { description: '`scale_up`, `rightsize`, `stop_idle`, `revoke_access`, `enforce_mfa`, …' })
  type!: string;
  @Field(() => ActionTargetInput)
  target!: ActionTargetInput;
  @Field(() => GraphQLJSON, { nullable: true, description: 'Parameters of the type (defaults filled in).' })
  params?: Record<string, unknown> | null;
  @Field(() => String, { nullable: true, description: 'Why, in words; kept in the audit record.' })
  reason?: string | null;
  @Field(() => String, { nullable: true, description: 'A retry with the same key returns the same action.' })
  idempotencyKey?: string | null;
  @Field(() => String, { nullable: true, description: 'The recommendation this carries out.' })
  recommendationId?: string | null;
  @Field(() => ActionImpactInput, { nullable: true })
  impact?: ActionImpactInput | null;
}

@InputType({ description: 'Which recommendation events to deliver.' })
export class RecommendationEventFilter {
  @Field(() => RecommendationType, { nullable: true })
  type?: RecommendationType | null;
  @Field(() => String, { nullable: true })
  team?: string | null;
}

@InputType({ description: 'Which insight events to deliver.' })
export class InsightEventFilter {
  @Field(() => Severity, { nullable: true })
  severity?: Severity | null;
  @Field(() => String, { nullable: true })
  team?: string | null;
}

/** A GraphQL input object's fields without the null ones (zod's `optional()` refuses null). */
function defined(value: object | null | undefined): Record<string, unknown> | undefined {
  if (value === null || value === undefined) return undefined;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined));
}

/** The proposal the control layer validates, from the GraphQL input (params passed through as given). */
export function proposalOf(input: ProposeActionInput): Record<string, unknown> {
  const { target, impact, ...rest } = input;
  const impactFields = defined(impact);
  return {
    ...defined(rest),
    target: defined(target) ?? {},
    ...(impactFields && Object.keys(impactFields).length > 0 ? { impact: impactFields } : {}),
  };
}

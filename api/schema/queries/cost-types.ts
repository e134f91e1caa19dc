import 'reflect-metadata';
import { Field, Float, GraphQLISODateTime, Int, ObjectType, registerEnumType } from 'type-graphql';

/** What cost rows are grouped by. */
export enum CostGroupBy {
  TEAM = 'team',
  SERVICE = 'service',
  CATEGORY = 'ServiceCategory',
}
registerEnumType(CostGroupBy, {
  name: 'CostGroupBy',
  description: 'TEAM and SERVICE are the ownership tags; CATEGORY is FOCUS ServiceCategory.',
});

/** Bucket size of cost rows: the hourly or the daily rollup. */
export enum Granularity {
  HOUR = 'hour',
  DAY = 'day',
}
registerEnumType(Granularity, { name: 'Granularity' });

@ObjectType({ description: 'Cost of one group over one bucket (FOCUS BilledCost and EffectiveCost).' })
export class CostRow {
  @Field(() => String, { description: 'Team, service or category; empty for untagged cost.' })
  key!: string;

  @Field(() => GraphQLISODateTime, { description: 'Start of the hour or day (UTC).' })
  bucket!: Date;

  @Field(() => Float)
  billedCost!: number;

  @Field(() => Float)
  effectiveCost!: number;
}

@ObjectType({ description: "A team's month-end spend forecast, with its interval, against its budget." })
export class CostForecast {
  @Field(() => String)
  team!: string;

  @Field(() => GraphQLISODateTime, { description: 'End of the month forecast (exclusive).' })
  monthEnd!: Date;

  @Field(() => Float, { description: 'Expected month-end spend, USD.' })
  yhat!: number;

  @Field(() => Float)
  lower!: number;

  @Field(() => Float)
  upper!: number;

  @Field(() => Float, { description: 'Interval level, percent.' })
  level!: number;

  @Field(() => String)
  model!: string;

  @Field(() => Float, { nullable: true, description: 'Monthly budget, USD; null when none is set.' })
  budget!: number | null;

  @Field(() => Boolean, { nullable: true, description: 'yhat above the budget; null without one.' })
  overBudget!: boolean | null;

  @Field(() => GraphQLISODateTime)
  computedAt!: Date;
}

@ObjectType({ description: 'A running resource found idle by the latest passes.' })
export class IdleResource {
  @Field(() => String)
  resourceId!: string;

  @Field(() => String)
  resourceType!: string;

  @Field(() => String)
  service!: string;

  @Field(() => String)
  team!: string;

  @Field(() => Float, { description: 'What it costs a month at its current hourly price, USD.' })
  monthlyCost!: number;

  @Field(() => String, { description: 'The idle_resource insight.' })
  insightId!: string;

  @Field(() => GraphQLISODateTime, { description: 'When the insight opened.' })
  since!: Date;
}

@ObjectType({ description: 'Idle resources and what they cost.' })
export class IdleWaste {
  @Field(() => Float, { description: 'Monthly cost of every idle resource in scope, USD.' })
  totalMonthlyCost!: number;

  @Field(() => Int)
  count!: number;

  @Field(() => [IdleResource], { description: 'Most expensive first, at most `first`.' })
  resources!: IdleResource[];
}

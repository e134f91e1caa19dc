import 'reflect-metadata';
import { Field, Float, GraphQLISODateTime, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { Connection } from '../connection.ts';

/** Service tier; TIER_1 is the most critical. */
export enum Tier {
  TIER_1 = 'tier-1',
  TIER_2 = 'tier-2',
  TIER_3 = 'tier-3',
}
registerEnumType(Tier, { name: 'Tier', description: 'Service tier from the catalog; TIER_1 is the most critical.' });

@ObjectType({ description: 'A catalogued service.' })
export class Service {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  title!: string;

  @Field(() => String)
  description!: string;

  @Field(() => Tier)
  tier!: Tier;

  @Field(() => String, { description: 'Owning team (or person) as the catalog names it.' })
  owner!: string;

  @Field(() => String, { description: 'The team scores and insights are attributed to.' })
  team!: string;

  @Field(() => String, { nullable: true })
  system!: string | null;

  @Field(() => String, { description: '`production`, `experimental`, `deprecated`…' })
  lifecycle!: string;
}

@ObjectType()
export class ServiceConnection extends Connection(Service) {}

@InputType({ description: 'Which services to list; every field narrows the list.' })
export class ServiceFilter {
  @Field(() => String, { nullable: true })
  team?: string | null;

  @Field(() => Tier, { nullable: true })
  tier?: Tier | null;

  @Field(() => String, { nullable: true, description: 'Case-insensitive substring of name, title or description.' })
  search?: string | null;
}

@ObjectType({ description: 'An owning team.' })
export class Team {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  displayName!: string;

  @Field(() => Float, { nullable: true, description: 'Monthly cloud budget, USD (configuration over catalog).' })
  budgetMonthlyUsd!: number | null;
}

@ObjectType()
export class TeamConnection extends Connection(Team) {}

@ObjectType({ description: 'Burn rate over one window: error rate as a multiple of the budgeted rate.' })
export class BurnRate {
  @Field(() => String, { description: '`5m`, `30m`, `1h`, `6h`, `1d`, `3d` or `slo` (the whole window).' })
  window!: string;

  @Field(() => Float)
  rate!: number;
}

@ObjectType({ description: 'An SLO as of the latest scoring pass.' })
export class SloStatus {
  @Field(() => String)
  name!: string;

  @Field(() => String, { description: '`ratio` or `threshold`…, as the SLI is defined.' })
  indicator!: string;

  @Field(() => Float, { description: 'Objective, 0–1.' })
  target!: number;

  @Field(() => Float, { description: 'Length of the SLO window, ms.' })
  windowMs!: number;

  @Field(() => Float, { nullable: true, description: 'Good / total over the window; null without traffic.' })
  attainment!: number | null;

  @Field(() => Float, { nullable: true, description: 'Share of the error budget left, 1 = untouched.' })
  budgetRemaining!: number | null;

  @Field(() => [BurnRate])
  burnRates!: BurnRate[];

  @Field(() => String, { description: '`page`, `ticket` or `none`.' })
  alert!: string;

  @Field(() => [String], { description: 'Burn-rate rules firing.' })
  firing!: string[];

  @Field(() => GraphQLISODateTime)
  computedAt!: Date;
}

@ObjectType({ description: 'An anomalous point an online detector flagged.' })
export class Anomaly {
  @Field(() => GraphQLISODateTime)
  at!: Date;

  @Field(() => String, { description: 'The signal: `latency_p99`, `error_rate`, `daily_cost`…' })
  signal!: string;

  @Field(() => String, { description: 'What the series is about (the service or a resource).' })
  subject!: string;

  @Field(() => Float)
  value!: number;

  @Field(() => Float, { nullable: true })
  expected!: number | null;

  @Field(() => Float, { description: 'The detector score, 0–1.' })
  score!: number;

  @Field(() => String)
  detector!: string;

  @Field(() => GraphQLISODateTime)
  detectedAt!: Date;
}

@ObjectType({ description: 'One future step of the latest capacity forecast.' })
export class ForecastPoint {
  @Field(() => String, { description: '`saturation` (the service) or `memory_utilization` (a resource).' })
  metric!: string;

  @Field(() => String, { description: 'The service, or the resource id.' })
  subject!: string;

  @Field(() => GraphQLISODateTime)
  at!: Date;

  @Field(() => Float)
  yhat!: number;

  @Field(() => Float)
  lower!: number;

  @Field(() => Float)
  upper!: number;

  @Field(() => Float, { description: 'Interval level, percent.' })
  level!: number;

  @Field(() => String)
  model!: string;

  @Field(() => GraphQLISODateTime)
  computedAt!: Date;
}

import 'reflect-metadata';
import { Field, Float, GraphQLISODateTime, InputType, ObjectType, registerEnumType } from 'type-graphql';
import {
  insightKinds,
  recommendationTypes,
  type InsightKind as ScoringInsightKind,
  type RecommendationType as ScoringRecommendationType,
} from '../../../scoring/insights/types.ts';
import { Connection } from '../connection.ts';
import { Evidence } from './score-types.ts';

const upperEnum = <T extends string>(values: readonly T[]) =>
  Object.fromEntries(values.map((v) => [v.toUpperCase(), v])) as Record<Uppercase<T>, T>;

/** Kinds of insight a scoring pass raises (GraphQL names are the stored kinds upper-cased). */
export const InsightKind = upperEnum(insightKinds);
/** One insight kind as stored. */
export type InsightKind = ScoringInsightKind;
registerEnumType(InsightKind, { name: 'InsightKind' });

/** Types of recommended action. */
export const RecommendationType = upperEnum(recommendationTypes);
/** One recommendation type as stored. */
export type RecommendationType = ScoringRecommendationType;
registerEnumType(RecommendationType, { name: 'RecommendationType' });

/** Insight severity. */
export const Severity = upperEnum(['info', 'warning', 'critical'] as const);
/** One severity as stored. */
export type Severity = (typeof Severity)[keyof typeof Severity];
registerEnumType(Severity, { name: 'Severity' });

/** Insight lifecycle. */
export const InsightStatus = upperEnum(['open', 'acknowledged', 'resolved'] as const);
/** One insight status as stored. */
export type InsightStatus = (typeof InsightStatus)[keyof typeof InsightStatus];
registerEnumType(InsightStatus, { name: 'InsightStatus' });

/** Recommendation lifecycle. */
export const RecommendationStatus = upperEnum(['open', 'held', 'dismissed', 'accepted', 'superseded'] as const);
/** One recommendation status as stored. */
export type RecommendationStatus = (typeof RecommendationStatus)[keyof typeof RecommendationStatus];
registerEnumType(RecommendationStatus, { name: 'RecommendationStatus' });

/** Families of findings: governance (shadow and untagged resources) and access (risky and unused). */
export enum FindingKind {
  GOVERNANCE = 'governance',
  ACCESS = 'access',
}
registerEnumType(FindingKind, { name: 'FindingKind' });

/** The insight kinds of each finding family. */
export const FINDING_KINDS: Record<FindingKind, InsightKind[]> = {
  [FindingKind.GOVERNANCE]: ['shadow_resource', 'untagged_resource'],
  [FindingKind.ACCESS]: ['risky_access', 'unused_access'],
};

@ObjectType({ description: 'A condition a scoring pass found, with its evidence (latest version).' })
export class Insight {
  @Field(() => String)
  id!: string;

  @Field(() => InsightKind)
  kind!: InsightKind;

  @Field(() => Severity)
  severity!: Severity;

  @Field(() => InsightStatus)
  status!: InsightStatus;

  @Field(() => String, { description: 'What it is about: an SLO, a resource id, a principal, a team.' })
  subject!: string;

  @Field(() => String)
  service!: string;

  @Field(() => String)
  team!: string;

  @Field(() => String)
  title!: string;

  @Field(() => String)
  summary!: string;

  @Field(() => Float, { description: 'Strength of the finding, 0–1.' })
  score!: number;

  @Field(() => [Evidence])
  evidence!: Evidence[];

  @Field(() => GraphQLISODateTime, { description: 'When the condition began.' })
  startedAt!: Date;

  @Field(() => GraphQLISODateTime)
  openedAt!: Date;

  @Field(() => GraphQLISODateTime)
  updatedAt!: Date;

  @Field(() => GraphQLISODateTime, { nullable: true })
  resolvedAt!: Date | null;
}

@ObjectType()
export class InsightConnection extends Connection(Insight) {}

@ObjectType({ description: 'What to do about an insight, its expected impact and confidence (latest version).' })
export class Recommendation {
  @Field(() => String)
  id!: string;

  @Field(() => String)
  insightId!: string;

  @Field(() => RecommendationType)
  type!: RecommendationType;

  @Field(() => RecommendationStatus)
  status!: RecommendationStatus;

  @Field(() => String, { description: 'What to act on: a resource id, a principal, a service.' })
  subject!: string;

  @Field(() => String)
  service!: string;

  @Field(() => String)
  team!: string;

  @Field(() => String)
  title!: string;

  @Field(() => String)
  rationale!: string;

  @Field(() => Float, { description: 'Expected saving (positive) or cost (negative), USD per month.' })
  impactUsdMonth!: number;

  @Field(() => String)
  impactRisk!: string;

  @Field(() => Float, { description: '0–1.' })
  confidence!: number;

  @Field(() => String, { description: 'Why it is held (empty unless status is HELD).' })
  heldReason!: string;

  @Field(() => [Evidence])
  evidence!: Evidence[];

  @Field(() => GraphQLISODateTime)
  createdAt!: Date;

  @Field(() => GraphQLISODateTime)
  updatedAt!: Date;
}

@ObjectType()
export class RecommendationConnection extends Connection(Recommendation) {}

@InputType({ description: 'Which insights to list; every field narrows the list.' })
export class InsightFilter {
  @Field(() => InsightStatus, { nullable: true })
  status?: InsightStatus | null;

  @Field(() => Severity, { nullable: true })
  severity?: Severity | null;

  @Field(() => InsightKind, { nullable: true })
  kind?: InsightKind | null;

  @Field(() => String, { nullable: true })
  team?: string | null;

  @Field(() => String, { nullable: true })
  service?: string | null;
}

@InputType({ description: 'Which recommendations to list; every field narrows the list.' })
export class RecommendationFilter {
  @Field(() => RecommendationStatus, { nullable: true })
  status?: RecommendationStatus | null;

  @Field(() => RecommendationType, { nullable: true })
  type?: RecommendationType | null;

  @Field(() => String, { nullable: true })
  team?: string | null;

  @Field(() => String, { nullable: true })
  service?: string | null;
}

import 'reflect-metadata';
import { Field, Float, GraphQLISODateTime, ObjectType, registerEnumType } from 'type-graphql';
import type { Evidence as ScoringEvidence } from '../../../scoring/types.ts';
import { dateOf } from './common.ts';

/** The kinds of score stored in `scores`: the five dimensions and the platform health index. */
export enum ScoreDimension {
  RELIABILITY = 'reliability',
  COST = 'cost',
  GOVERNANCE = 'governance',
  SECURITY = 'security',
  OPERATIONS = 'operations',
  HEALTH = 'health',
}
registerEnumType(ScoreDimension, { name: 'ScoreDimension', description: 'What a score measures.' });

@ObjectType({ description: 'One column = value pair of the rows behind a piece of evidence.' })
export class FilterEntry {
  @Field(() => String)
  key!: string;

  @Field(() => String)
  value!: string;
}

@ObjectType({ description: 'Which rows made a piece of evidence, precise enough to re-run the query.' })
export class EvidenceSource {
  @Field(() => String, { description: 'Table or rollup, e.g. `cost_1d`, `slo_sli_1h`.' })
  table!: string;

  @Field(() => [FilterEntry])
  filter!: FilterEntry[];

  @Field(() => GraphQLISODateTime, { nullable: true, description: 'Start of the time range, inclusive.' })
  from!: Date | null;

  @Field(() => GraphQLISODateTime, { nullable: true, description: 'End of the time range, exclusive.' })
  to!: Date | null;
}

@ObjectType({ description: 'One fact a number rests on.' })
export class Evidence {
  @Field(() => String)
  kind!: string;

  @Field(() => String)
  subject!: string;

  @Field(() => String)
  description!: string;

  @Field(() => Float, { nullable: true })
  value!: number | null;

  @Field(() => Float, { nullable: true })
  threshold!: number | null;

  @Field(() => EvidenceSource, { nullable: true })
  source!: EvidenceSource | null;
}

/** Scoring's evidence as the GraphQL type (tolerant: evidence JSON is read back from the store). */
export function toEvidence(e: Partial<ScoringEvidence>): Evidence {
  const s = e.source;
  return {
    kind: String(e.kind ?? ''),
    subject: String(e.subject ?? ''),
    description: String(e.description ?? ''),
    value: typeof e.value === 'number' ? e.value : null,
    threshold: typeof e.threshold === 'number' ? e.threshold : null,
    source: s
      ? {
          table: String(s.table ?? ''),
          filter: Object.entries(s.filter ?? {}).map(([key, value]) => ({ key, value: String(value) })),
          from: dateOf(s.fromMs),
          to: dateOf(s.toMs),
        }
      : null,
  };
}

@ObjectType({ description: 'One part of a score, with its own value, weight and evidence.' })
export class ScoreComponent {
  @Field(() => String)
  name!: string;

  @Field(() => Float, { nullable: true, description: '0–100; null = no data (left out of the score).' })
  value!: number | null;

  @Field(() => Float)
  weight!: number;

  @Field(() => String, { description: 'Why the value is what it is, in a sentence.' })
  detail!: string;

  @Field(() => [Evidence])
  evidence!: Evidence[];
}

@ObjectType({ description: 'A 0–100 score of the latest scoring pass, with its components.' })
export class Score {
  @Field(() => ScoreDimension)
  dimension!: ScoreDimension;

  @Field(() => Float, { nullable: true, description: 'Null when no component has data.' })
  value!: number | null;

  @Field(() => GraphQLISODateTime)
  computedAt!: Date;

  @Field(() => [ScoreComponent])
  components!: ScoreComponent[];
}

@ObjectType({ description: 'A score at one pass.' })
export class ScorePoint {
  @Field(() => GraphQLISODateTime, { description: 'When the pass ran (the last pass of its bucket).' })
  at!: Date;

  @Field(() => Float, { nullable: true })
  value!: number | null;
}

@ObjectType({ description: 'A score over time.' })
export class ScoreSeries {
  @Field(() => ScoreDimension)
  dimension!: ScoreDimension;

  @Field(() => [ScorePoint], { description: 'In time order; at most one point per bucket (see `scores`).' })
  points!: ScorePoint[];
}

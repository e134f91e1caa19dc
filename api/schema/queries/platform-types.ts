import 'reflect-metadata';
import { Field, Float, GraphQLISODateTime, Int, ObjectType } from 'type-graphql';
import { Evidence } from './score-types.ts';

@ObjectType({ description: 'One maturity criterion judged on live evidence.' })
export class MaturityCriterion {
  @Field(() => String)
  id!: string;

  @Field(() => Int, { description: 'The level (2–5) the criterion belongs to.' })
  level!: number;

  @Field(() => String)
  description!: string;

  @Field(() => Boolean, { nullable: true, description: 'Null = no evidence, which does not meet it.' })
  met!: boolean | null;

  @Field(() => Float, { nullable: true, description: 'The measured value (flags as 1/0).' })
  value!: number | null;

  @Field(() => Float)
  threshold!: number;

  @Field(() => String, { description: '`>=`, `<=` or `is`.' })
  comparison!: string;

  @Field(() => String, { description: '`share`, `ms`, `per-day` or `flag`.' })
  unit!: string;

  @Field(() => [Evidence])
  evidence!: Evidence[];
}

@ObjectType({ description: 'Where the platform stands on the PRE maturity ladder (latest pass).' })
export class Maturity {
  @Field(() => Int, { description: '1 (reactive) to 5 (autonomous).' })
  level!: number;

  @Field(() => String)
  name!: string;

  @Field(() => GraphQLISODateTime)
  computedAt!: Date;

  @Field(() => [MaturityCriterion])
  criteria!: MaturityCriterion[];

  @Field(() => Int, { nullable: true, description: 'The next level; null at level 5.' })
  nextLevel!: number | null;

  @Field(() => String, { nullable: true })
  nextLevelName!: string | null;

  @Field(() => [String], { description: 'Ids of the criteria still missing for the next level.' })
  missing!: string[];
}

@ObjectType({ description: 'The whole platform: health index, maturity, platform-scope scores.' })
export class Platform {
  @Field(() => String)
  name!: string;
}

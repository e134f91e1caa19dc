import { z } from 'zod';
import { optText, stringMap, timestampMs } from './common.ts';

const money = z.number().refine(Number.isFinite, { error: 'must be finite' }).nullable().default(null);
const quantity = z.number().refine(Number.isFinite, { error: 'must be finite' }).nullable().default(null);

/** One FOCUS (FinOps Open Cost and Usage Specification 1.0–1.2) cost row. Columns keep FOCUS's
 *  own names; columns we do not model (and every `x_` column) are kept verbatim in `Extra`. */
export const costRecordSchema = z
  .object({
    ChargePeriodStart: timestampMs,
    ChargePeriodEnd: timestampMs,
    BillingPeriodStart: timestampMs.nullable().default(null),
    BillingPeriodEnd: timestampMs.nullable().default(null),
    BilledCost: money,
    EffectiveCost: money,
    ListCost: money,
    ContractedCost: money,
    BillingCurrency: optText(8),
    BillingAccountId: optText(),
    BillingAccountName: optText(),
    SubAccountId: optText(),
    SubAccountName: optText(),
    ProviderName: optText(),
    PublisherName: optText(),
    InvoiceIssuerName: optText(),
    ServiceName: optText(),
    ServiceCategory: optText(),
    ServiceSubcategory: optText(),
    ChargeCategory: optText(64),
    ChargeClass: optText(64),
    ChargeFrequency: optText(64),
    ChargeDescription: optText(4096),
    PricingCategory: optText(64),
    PricingQuantity: quantity,
    PricingUnit: optText(),
    ConsumedQuantity: quantity,
    ConsumedUnit: optText(),
    ResourceId: optText(),
    ResourceName: optText(),
    ResourceType: optText(),
    RegionId: optText(),
    RegionName: optText(),
    AvailabilityZone: optText(),
    SkuId: optText(),
    SkuPriceId: optText(),
    CommitmentDiscountId: optText(),
    CommitmentDiscountCategory: optText(64),
    Tags: stringMap.default({}),
    /** Columns outside the model above, verbatim as strings (includes every `x_` column). */
    Extra: stringMap.default({}),
  })
  .refine((r) => r.ChargePeriodEnd >= r.ChargePeriodStart, {
    error: 'ChargePeriodEnd must not be before ChargePeriodStart',
    path: ['ChargePeriodEnd'],
  })
  .refine((r) => r.BilledCost !== null || r.EffectiveCost !== null, {
    error: 'needs BilledCost or EffectiveCost',
    path: ['BilledCost'],
  });
export type CostRecord = z.output<typeof costRecordSchema>;
export type CostRecordInput = z.input<typeof costRecordSchema>;

/** The FOCUS columns modelled above (everything else lands in `Extra`). */
export const FOCUS_COLUMNS: readonly string[] = Object.keys(costRecordSchema.shape).filter((c) => c !== 'Extra');

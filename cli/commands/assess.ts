import { UsageError } from '../../core/errors.ts';
import { openRuntime } from '../../core/runtime.ts';
import { type AssessmentFormat, renderAssessment } from '../../scoring/assessment/index.ts';
import { buildScorer } from '../../scoring/components.ts';
import { type GlobalOptions, setup } from '../shared.ts';

const FORMATS = ['text', 'json', 'markdown'] as const;

/** `aegis assess`: runs a scoring pass now and prints the platform's scores, health index and PRE
 *  maturity level with the evidence behind each criterion. */
export async function assessCommand(options: GlobalOptions & { format?: string }): Promise<number> {
  const format = (options.format ?? 'text') as AssessmentFormat;
  if (!(FORMATS as readonly string[]).includes(format))
    throw new UsageError(`--format must be one of ${FORMATS.join(', ')} (got ${format})`);
  const { config, logger } = setup(options);
  const runtime = await openRuntime(config, { bus: true, warehouse: true, name: 'assess' }, logger);
  try {
    const scorer = await buildScorer(config, { warehouse: runtime.warehouse!, bus: runtime.bus, logger });
    const pass = await scorer.runOnce();
    await scorer.stop();
    const text = renderAssessment(pass.maturity, pass.scores, format);
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  } finally {
    await runtime.close();
  }
  return 0;
}

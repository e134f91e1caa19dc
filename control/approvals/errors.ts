import { PolicyDeniedError } from '../../core/errors.ts';

/** Why a vote was refused on principle (as opposed to malformed, which is an `InputError`). */
export type VoteRefusal = 'self_approval' | 'human_required' | 'not_eligible';

/** A well-formed vote that the rules refuse: separation of duties, a human required, not an approver.
 *  A `PolicyDeniedError` (code `POLICY_DENIED`) that also says which rule, on which action, for whom. */
export class VoteRefusedError extends PolicyDeniedError {
  override name = 'VoteRefusedError';
  readonly reason: VoteRefusal;
  readonly actionId: string;
  readonly voterId: string;
  constructor(message: string, options: { reason: VoteRefusal; actionId: string; voterId: string; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.reason = options.reason;
    this.actionId = options.actionId;
    this.voterId = options.voterId;
  }
}

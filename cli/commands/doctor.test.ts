import { describe, expect, it } from 'vitest';
import { UsageError } from '../../core/errors.ts';
import { doctorCommand } from './doctor.ts';

describe('doctorCommand', () => {
  it('refuses a timeout that is not a number of seconds (exit 2) before checking anything', async () => {
    await expect(doctorCommand({ timeoutSec: 'soon' })).rejects.toThrow(UsageError);
    await expect(doctorCommand({ timeoutSec: '0' })).rejects.toThrow('--timeout-sec must be a number of seconds');
  });
});

import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.ts';
import { approvalsConfigSchema, parseApprovalsConfig } from './config.ts';

describe('parseApprovalsConfig', () => {
  it('fills every default from {}', () => {
    expect(parseApprovalsConfig({})).toEqual({
      roles: {},
      financeAboveUsdMonth: 1000,
      platformLeadTiers: ['tier-1'],
      platformLeadBelowErrorBudget: 0.25,
      platformLeadIfIrreversible: true,
      quorum: { default: 1, ownerByTier: { 'tier-1': 2 }, byAuthority: {} },
      expiryMs: 24 * 60 * 60 * 1000,
      escalateAfterMs: 2 * 60 * 60 * 1000,
      escalateTo: 'platform-lead',
      humanRequiredForAgents: true,
    });
    expect(parseApprovalsConfig(undefined).expiryMs).toBe(86_400_000);
  });

  it('parses a sample config', () => {
    const c = parseApprovalsConfig({
      roles: { 'platform-lead': ['pat'], security: ['user:sam'], finance: ['user:default/fay', 'fred'] },
      financeAboveUsdMonth: 2500,
      platformLeadTiers: ['tier-1', 'tier-2'],
      platformLeadBelowErrorBudget: null,
      quorum: { default: 1, ownerByTier: { 'tier-1': 2, 'tier-2': 2 }, byAuthority: { 'role:security': 2 } },
      expiryMs: 4 * 60 * 60 * 1000,
      escalateAfterMs: 0,
      escalateTo: 'security',
      humanRequiredForAgents: false,
    });
    expect(c.roles).toEqual({ 'platform-lead': ['pat'], security: ['sam'], finance: ['fay', 'fred'] });
    expect(c.quorum.byAuthority).toEqual({ 'role:security': 2 });
    expect(c.escalateAfterMs).toBe(0);
  });

  it('normalises role holders: Backstage refs to names, lower-case, without duplicates', () => {
    const c = parseApprovalsConfig({
      roles: { 'Platform-Lead': ['user:default/Alice', 'alice', 'user:ops/bob'], 'platform-lead': ['carol'] },
    });
    expect(c.roles).toEqual({ 'platform-lead': ['alice', 'ops/bob', 'carol'] });
    expect(parseApprovalsConfig({ roles: { constructor: ['alice'] } }).roles).toEqual({ constructor: ['alice'] });
  });

  it.each([
    [{ expiryMs: 0 }, 'expiryMs', 'must be > 0 (an approval request always expires)'],
    [{ expiryMs: 1.5 }, 'expiryMs', 'expected int'],
    [{ escalateAfterMs: -1 }, 'escalateAfterMs', '>=0'],
    [
      { expiryMs: 3_600_000, escalateAfterMs: 3_600_000 },
      'escalateAfterMs',
      'must be < expiryMs, or 0 to disable escalation (got 3600000 >= 3600000)',
    ],
    [{ financeAboveUsdMonth: -1 }, 'financeAboveUsdMonth', '>=0'],
    [{ platformLeadBelowErrorBudget: 1.5 }, 'platformLeadBelowErrorBudget', '<=1'],
    [{ platformLeadTiers: ['tier-9'] }, 'platformLeadTiers[0]', 'tier-1'],
    [{ quorum: { default: 0 } }, 'quorum.default', 'must be >= 1'],
    [{ quorum: { ownerByTier: { 'tier-1': 0 } } }, 'quorum.ownerByTier["tier-1"]', 'must be >= 1'],
    [
      { quorum: { byAuthority: { payments: 2 } } },
      'quorum.byAuthority.payments',
      'key must be "team:<name>" or "role:<name>"',
    ],
    [{ roles: { 'on call': ['alice'] } }, 'roles["on call"]', 'role name must be lowercase letters'],
    [{ roles: { finance: ['group:default/finance'] } }, 'roles.finance[0]', '"group:default/finance" is not a user'],
    [{ roles: { finance: ['a/b/c'] } }, 'roles.finance[0]', 'is not a user name or ref'],
    [{ escalateTo: 'Platform Lead' }, 'escalateTo', 'must be lowercase letters'],
    [{ humanRequiredForAgents: 'yes' }, 'humanRequiredForAgents', 'expected boolean'],
    [{ approvers: [] }, '', 'Unrecognized key: "approvers"'],
  ])('rejects %j at %s', (input, path, message) => {
    expect(() => parseApprovalsConfig(input)).toThrow(ConfigError);
    try {
      parseApprovalsConfig(input);
    } catch (err) {
      const text = (err as Error).message;
      expect(text).toContain('invalid approvals config');
      expect(text).toContain(message);
      if (path) expect(text).toContain(`→ at ${path}`);
    }
  });

  it('names the config section it was given instead of the default label', () => {
    expect(() => parseApprovalsConfig({ expiryMs: 0 }, 'control.approvals')).toThrow(
      /^control\.approvals: .*must be > 0/s,
    );
  });

  it('accepts null to disable the cost and error-budget rules, and [] to disable the tier rule', () => {
    const c = approvalsConfigSchema.parse({
      financeAboveUsdMonth: null,
      platformLeadBelowErrorBudget: null,
      platformLeadTiers: [],
    });
    expect([c.financeAboveUsdMonth, c.platformLeadBelowErrorBudget, c.platformLeadTiers]).toEqual([null, null, []]);
  });
});

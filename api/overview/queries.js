// The GraphQL operations of the overview page, apart so a test can check them against the schema and the
// API's cost limits (api/overview/queries.test.ts).

/** The chart's series: dimension, label, colour. */
export const DIMENSIONS = [
  ['HEALTH', 'Health', '#172033'],
  ['RELIABILITY', 'Reliability', '#2f6fde'],
  ['COST', 'Cost', '#1f8a4c'],
  ['GOVERNANCE', 'Governance', '#8a4fd6'],
  ['SECURITY', 'Security', '#c53030'],
  ['OPERATIONS', 'Operations', '#b7791f'],
];

/** The alias a dimension's series has in the summary query (`health` itself is a field of Platform). */
export const seriesField = (dimension) => `${dimension.toLowerCase()}Series`;

export const VIEWER_QUERY = 'query OverviewViewer { viewer { keyId name role team permissions } }';

export const SUMMARY_QUERY = `query OverviewSummary($from: DateTimeISO) {
  platform {
    health { value computedAt }
    latestScores { dimension value }
    maturity { level name nextLevel nextLevelName missing computedAt
      criteria { id level description met value threshold comparison unit } }
    ${DIMENSIONS.map(([d]) => `${seriesField(d)}: scores(dimension: ${d}, from: $from) { points { at value } }`).join('\n    ')}
  }
  insights(filter: { status: OPEN }, first: 10) {
    nodes { id kind severity title subject service team score openedAt }
  }
  recommendations(filter: { status: OPEN }, first: 10) {
    nodes { id type title subject service team impactUsdMonth impactRisk confidence insight { severity } }
  }
}`;

export const CONTROL_QUERY = `query OverviewControl {
  actions(filter: { state: "pending_approval" }, first: 50) {
    nodes { id type service team reason createdAt canVote
      proposer { id kind }
      target { kind name }
      impact { costUsdMonth errorBudgetCost blastRadius }
      approval { expiresAt authorities { id quorum } } }
  }
  auditIntegrity { ok records headSeq checkedAt trustedKeys firstBroken { seq reason message } }
}`;

export const AUDIT_QUERY = `query OverviewAudit($from: Int, $after: String) {
  auditRecords(fromSeq: $from, after: $after, first: 100) {
    nodes { seq at kind actor subject }
    pageInfo { hasNextPage endCursor }
  }
}`;

export const APPROVE = `mutation OverviewApprove($id: String!) {
  approveAction(id: $id, comment: "approved on the overview page") { auditRecordId action { id state } }
}`;
export const REJECT = `mutation OverviewReject($id: String!, $reason: String!) {
  rejectAction(id: $id, reason: $reason) { auditRecordId action { id state } }
}`;

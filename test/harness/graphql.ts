/** One GraphQL error as the API sends it: a code and the request id, nothing else about the failure. */
export interface GqlError {
  message: string;
  extensions: { code: string; requestId: string; [k: string]: unknown };
}

/** A finished POST to /graphql: its status and headers, the parsed body, and the raw text. */
export interface GqlResponse {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: GraphQL results are checked by shape
  data?: any;
  errors?: GqlError[];
  text: string;
}

/** POSTs one operation to `${baseUrl}/graphql`, with `token` as a bearer key when one is given. */
export async function postGraphql(
  baseUrl: string,
  query: string,
  options: { token?: string | null; variables?: Record<string, unknown>; headers?: Record<string, string> } = {},
): Promise<GqlResponse> {
  const res = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: JSON.stringify({ query, variables: options.variables }),
  });
  const text = await res.text();
  const body = JSON.parse(text) as { data?: unknown; errors?: GqlError[] };
  return { status: res.status, headers: res.headers, data: body.data, errors: body.errors, text };
}

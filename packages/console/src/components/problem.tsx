import { ApiError } from '../api.js';

/** An error as the operator should read it: the API's message, its code and request id. */
export function ProblemMessage({ error, id }: { readonly error: unknown; readonly id?: string }) {
  if (error === null || error === undefined) return null;
  const api = error instanceof ApiError ? error : undefined;
  return (
    <p class="problem" role="alert" id={id}>
      {api ? api.message : String(error)}
      {api && api.status > 0 ? (
        <span class="problem-code">
          {' '}
          ({api.code}
          {api.requestId ? `, request ${api.requestId}` : ''})
        </span>
      ) : null}
    </p>
  );
}

import { ProblemError } from '@fleetport/sdk';
import { ApiError } from '../api.js';

/** An error as the operator should read it: the API's message, its code and request id. */
export function ProblemMessage({ error, id }: { readonly error: unknown; readonly id?: string }) {
  if (error === null || error === undefined) return null;
  // The console's own client refuses with ApiError, the SDK's typed client with ProblemError.
  const api =
    error instanceof ApiError
      ? { message: error.message, status: error.status, code: error.code, requestId: error.requestId }
      : error instanceof ProblemError
        ? { message: error.detail, status: error.status, code: error.code, requestId: error.requestId }
        : undefined;
  return (
    <p class="problem" role="alert" id={id}>
      {api ? api.message : error instanceof Error ? error.message : String(error)}
      {api && api.status > 0 ? (
        <span class="problem-code" data-code={api.code}>
          {' '}
          ({api.code}
          {api.requestId ? `, request ${api.requestId}` : ''})
        </span>
      ) : null}
    </p>
  );
}

import { type Static, Type } from 'typebox';
import type { AppError } from '../kernel/errors.js';

/** RFC 9457 problem document, with Fleetport's stable `code`. */
export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    code: Type.String({ description: 'stable error code; see docs/ERRORS.md' }),
    detail: Type.String(),
    requestId: Type.Optional(Type.String()),
    data: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { $id: 'Problem' },
);
export type Problem = Static<typeof Problem>;

const titles: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function toProblem(error: AppError, requestId: string | undefined): Problem {
  return {
    type: `urn:fleetport:problem:${error.code}`,
    title: titles[error.status] ?? 'Error',
    status: error.status,
    code: error.code,
    detail: error.message,
    ...(requestId ? { requestId } : {}),
    ...(error.data ? { data: { ...error.data } } : {}),
  };
}

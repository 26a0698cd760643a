import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, isAppError } from '../kernel/errors.js';
import { toProblem } from './problem.js';

/** Translates any failure into one problem document; the single error edge of the HTTP API. */
export function toAppError(error: unknown): AppError {
  if (isAppError(error)) return error;
  const fastifyError = error as Partial<FastifyError> & { validation?: unknown; validationContext?: string };
  if (fastifyError.validation) {
    const validation = fastifyError.validation as Array<{
      instancePath?: string;
      message?: string;
      params?: unknown;
      keyword?: string;
      parentSchema?: { description?: unknown };
      data?: unknown;
    }>;
    const issues = validation.map((issue) => ({
      in: fastifyError.validationContext ?? 'body',
      path: issue.instancePath ?? '',
      message: issue.message ?? 'invalid',
      params: issue.params,
    }));
    // "must match a schema in anyOf" names no shape: a union's description says what it takes.
    // Only for a value of the wrong kind: an object that fails is better told what is wrong in it.
    const union = validation.find(
      (issue) =>
        issue.keyword === 'anyOf' &&
        typeof issue.parentSchema?.description === 'string' &&
        (typeof issue.data !== 'object' || issue.data === null || Array.isArray(issue.data)),
    );
    const what = `request ${fastifyError.validationContext ?? 'body'} is invalid`;
    const detail = union
      ? `${what}: ${union.instancePath || fastifyError.validationContext || 'body'} must be ${String(union.parentSchema?.description)}`
      : `${what}: ${fastifyError.message}`;
    return new AppError('validation_failed', detail, { issues });
  }
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('body_too_large', 'the request body is larger than the limit');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError('unsupported_media_type', fastifyError.message ?? 'unsupported content type');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('malformed_body', 'the body is empty but the content type says JSON');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new AppError('malformed_body', 'the body is not valid JSON');
    case 'FST_ERR_BAD_URL':
      return new AppError('bad_request', 'the URL is malformed');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new AppError('bad_request', 'a path parameter is longer than any id the API accepts');
  }
  if (
    error instanceof SyntaxError ||
    (fastifyError.statusCode === 400 && fastifyError.code?.startsWith('FST_ERR_CTP'))
  ) {
    return new AppError('malformed_body', `the body could not be parsed: ${fastifyError.message}`);
  }
  // A file-serving dependency (the docs' static files, through @fastify/send) refuses a path
  // it will not serve (traversal, a NUL byte) or a request it cannot answer (a bad range)
  // with an http-errors value: to the client there is nothing there, or a bad request.
  const status = fastifyError.statusCode;
  if (typeof (error as { expose?: unknown }).expose === 'boolean' && status !== undefined) {
    if (status === 400 || status === 403 || status === 404)
      return new AppError('route_not_found', 'nothing is served at this path');
    if (status > 400 && status < 500)
      return new AppError('bad_request', 'the request cannot be served as sent');
  }
  if (fastifyError.statusCode === 413)
    return new AppError('body_too_large', 'the request body is larger than the limit');
  if (fastifyError.statusCode === 415)
    return new AppError('unsupported_media_type', fastifyError.message ?? '');
  return new AppError(
    'internal',
    'an unexpected error occurred; see the server log with the request id',
    undefined,
    {
      cause: error,
    },
  );
}

/**
 * Answers what Node's HTTP parser refuses before Fastify sees a request (headers too large,
 * a request that took too long, bytes that are not HTTP) with a problem document too.
 */
export function handleClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const appError =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? new AppError('headers_too_large', 'the request headers are larger than the server accepts')
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new AppError('request_timeout', 'the request was not received in time')
        : new AppError('bad_request', 'the request is not valid HTTP');
  const body = JSON.stringify(toProblem(appError, undefined));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${appError.status} ${STATUS_CODES[appError.status] ?? 'Error'}\r\n` +
        `content-type: application/problem+json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
        `connection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

export function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const appError = toAppError(error);
  if (appError.status >= 500) request.log.error({ err: appError.cause ?? error }, appError.message);
  else request.log.info({ code: appError.code }, appError.message);
  if (appError.code === 'unauthenticated') reply.header('www-authenticate', 'Bearer realm="fleetport"');
  return reply.status(appError.status).type('application/problem+json').send(toProblem(appError, request.id));
}

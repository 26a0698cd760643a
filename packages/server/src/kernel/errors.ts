/**
 * The one error type of Fleetport. Every failure that reaches an edge (HTTP, MQTT, CLI)
 * carries a stable `code`; codes are API: add new ones, never rename.
 */
export type ErrorCode =
  | 'bad_request'
  | 'validation_failed'
  | 'malformed_body'
  | 'json_too_deep'
  | 'forbidden_key'
  | 'invalid_text'
  | 'headers_too_large'
  | 'request_timeout'
  | 'unsupported_media_type'
  | 'body_too_large'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'route_not_found'
  | 'method_not_allowed'
  | 'already_exists'
  | 'conflict'
  | 'import_rejected'
  | 'identity_conflict'
  | 'invalid_condition'
  | 'twin_too_large'
  | 'twin_too_deep'
  | 'precondition_failed'
  | 'precondition_required'
  | 'rate_limited'
  | 'unavailable'
  | 'device_offline'
  | 'command_not_cancellable'
  | 'encoding_failed'
  | 'downlink_too_long'
  | 'method_timeout'
  | 'unknown_devices'
  | 'job_state_conflict'
  | 'lifecycle_transition_refused'
  | 'contract_tokens_exhausted'
  | 'device_retired'
  | 'alert_transition_refused'
  | 'webhook_target_refused'
  | 'notification_channel_unknown'
  | 'notification_channel_in_use'
  | 'notification_channel_unavailable'
  | 'invalid_range'
  | 'record_unsupported'
  | 'weak_password'
  | 'invalid_credentials'
  | 'login_locked'
  | 'totp_required'
  | 'totp_invalid'
  | 'csrf_failed'
  | 'token_invalid'
  | 'internal';

const statusByCode: Readonly<Record<ErrorCode, number>> = {
  bad_request: 400,
  validation_failed: 400,
  malformed_body: 400,
  json_too_deep: 400,
  forbidden_key: 400,
  invalid_text: 400,
  headers_too_large: 431,
  request_timeout: 408,
  unsupported_media_type: 415,
  body_too_large: 413,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  route_not_found: 404,
  method_not_allowed: 405,
  already_exists: 409,
  conflict: 409,
  import_rejected: 422,
  identity_conflict: 409,
  invalid_condition: 400,
  twin_too_large: 400,
  twin_too_deep: 400,
  precondition_failed: 412,
  precondition_required: 428,
  rate_limited: 429,
  unavailable: 503,
  device_offline: 404,
  command_not_cancellable: 409,
  encoding_failed: 422,
  downlink_too_long: 400,
  method_timeout: 504,
  unknown_devices: 422,
  job_state_conflict: 409,
  lifecycle_transition_refused: 409,
  contract_tokens_exhausted: 409,
  device_retired: 409,
  alert_transition_refused: 409,
  webhook_target_refused: 422,
  notification_channel_unknown: 422,
  notification_channel_in_use: 409,
  notification_channel_unavailable: 422,
  invalid_range: 400,
  record_unsupported: 400,
  weak_password: 400,
  invalid_credentials: 401,
  login_locked: 429,
  totp_required: 401,
  totp_invalid: 400,
  csrf_failed: 403,
  token_invalid: 400,
  internal: 500,
};

/** A failure with a stable code, an HTTP status and optional structured data. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly data: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, data?: Record<string, unknown>, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AppError';
    this.code = code;
    this.status = statusByCode[code];
    this.data = data;
  }
}

/** `not_found` for a resource kind and id; also the answer for another tenant's resources. */
export function notFound(kind: string, id: string): AppError {
  return new AppError('not_found', `${kind} '${id}' was not found`, { kind, id });
}

/**
 * `device_retired`: a retired device takes no new desired values or commands
 * (docs/LIFECYCLE.md); `retired` is the only state that refuses them.
 */
export function refuseRetired(deviceId: string, lifecycle: string): void {
  if (lifecycle === 'retired')
    throw new AppError('device_retired', `device '${deviceId}' is retired`, { deviceId, lifecycle });
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}

import { expect } from 'vitest';
import type { TestResponse } from './test-server.js';

/** The response is a problem document with this status and stable code. */
export function expectProblem(response: TestResponse, status: number, code: string): void {
  expect(response.status, response.text).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(response.body.code, response.text).toBe(code);
  expect(response.body.status).toBe(status);
}

/** Narrows a value read from a response body to a string, failing the test otherwise. */
export function mustBeString(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new Error(`${what} is not a string: ${String(value)}`);
  return value;
}

import { fileURLToPath } from 'node:url';

/** The checked-in types generated from the server's OpenAPI document. */
export const GENERATED_FILE = fileURLToPath(new URL('../src/generated/openapi.ts', import.meta.url));

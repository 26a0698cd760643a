import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { openapiDocument } from '../scripts/openapi-document.js';
import { GENERATED_FILE } from '../scripts/paths.js';
import { renderTypes } from '../scripts/render-types.mjs';

describe('the generated types', () => {
  it('match the OpenAPI document of the server in this checkout', { timeout: 180_000 }, async () => {
    const expected = await renderTypes(await openapiDocument());
    const checkedIn = await readFile(GENERATED_FILE, 'utf8');
    if (checkedIn === expected) return;
    const want = expected.split('\n');
    const have = checkedIn.split('\n');
    let line = 0;
    while (line < want.length && want[line] === have[line]) line += 1;
    expect.fail(
      `packages/sdk/src/generated/openapi.ts is out of date with the server's routes: run \`npm run sdk:generate\` and commit it.\n` +
        `First difference at line ${line + 1}:\n  checked in: ${have[line] ?? '(end of file)'}\n  generated:  ${want[line] ?? '(end of file)'}`,
    );
  });
});

// `npm run sdk:generate`: writes the SDK's types from the server's current routes.
import { writeFile } from 'node:fs/promises';
import { openapiDocument } from './openapi-document.js';
import { GENERATED_FILE } from './paths.js';
import { renderTypes } from './render-types.mjs';

await writeFile(GENERATED_FILE, await renderTypes(await openapiDocument()));
console.log(`wrote ${GENERATED_FILE}`);

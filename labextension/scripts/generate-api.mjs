/**
 * Write the TypeScript types of the REST API (src/openapi.ts) from the
 * server's OpenAPI document, as atmo_lab.openapi builds it.
 *
 * Usage: `jlpm generate:api [out]` (default src/openapi.ts). The document
 * comes from `$PYTHON` (default `python`, e.g. the .venv's) run in the
 * repository, so the types follow its Python code, not a running server. tests/test_openapi_types.py
 * fails when the committed file differs from what this writes.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

import openapiTS, { astToString } from 'openapi-typescript';
import * as prettier from 'prettier';

const HERE = dirname(fileURLToPath(import.meta.url));
const DEFAULT_OUT = join(HERE, '..', 'src', 'openapi.ts');
// The repository's atmo_lab, not an installed copy.
const REPO = join(HERE, '..', '..');
// Without settings: the defaults of the limits, which the types do not show.
const DUMP =
  'import json; from atmo_lab.openapi import openapi_document; ' +
  'print(json.dumps(openapi_document()))';
const HEADER = `/**
 * The REST API's types, generated from the OpenAPI document that
 * atmo_lab/openapi.py builds (served at atmo-lab/api/openapi.json).
 * Do not edit: regenerate with \`cd labextension && PATH=../.venv/bin:$PATH
 * jlpm generate:api\` (tests/test_openapi_types.py fails when it is stale).
 */
`;

const document = JSON.parse(
  execFileSync(process.env.PYTHON || 'python', ['-c', DUMP], {
    env: { ...process.env, PYTHONPATH: REPO },
    encoding: 'utf-8'
  })
);
// `{"type": "object"}` (a notebook, papermill parameters) allows any
// property, so it is `Record<string, unknown>`, not an empty record.
const ast = await openapiTS(document, { emptyObjectsUnknown: true });
const out = process.argv[2] || DEFAULT_OUT;
// The repository's Prettier style, wherever the file is written.
const options = (await prettier.resolveConfig(DEFAULT_OUT)) ?? {};
const text = await prettier.format(HEADER + astToString(ast), {
  ...options,
  filepath: DEFAULT_OUT
});
writeFileSync(out, text);

// Lints the OpenAPI document a real `orc serve` serves with Redocly CLI's recommended rules
// (tests/web/redocly.yaml): no error and no warning may remain. Redocly runs offline: telemetry
// and the update check are turned off.
//
//   node tests/web/openapi_lint_test.mjs ORC_BINARY
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startOrc } from './orc_server.mjs';

const [orcBinary] = process.argv.slice(2);
if (!orcBinary) {
  console.error('usage: openapi_lint_test.mjs ORC_BINARY');
  process.exit(2);
}
const here = path.dirname(fileURLToPath(import.meta.url));
const token = 'lint-test-token';

async function servedDocument() {
  const server = await startOrc(orcBinary, { token });
  try {
    const response = await fetch(`${server.base}/openapi.json`,
      { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(response.status, 200);
    return await response.text();
  } finally {
    await server.stop();
  }
}

async function main() {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-openapi-lint-'));
  try {
    const document = path.join(directory, 'openapi.json');
    fs.writeFileSync(document, await servedDocument());
    const cli = path.join(here, 'node_modules', '@redocly', 'cli', 'bin', 'cli.js');
    const lint = promisify(execFile)(process.execPath,
      [cli, 'lint', '--config', path.join(here, 'redocly.yaml'), '--format', 'json', document],
      { cwd: directory, env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' } });
    // Redocly exits with 1 when there are errors; its report is on stdout either way.
    const { stdout } = await lint.catch((failure) => failure);
    const report = JSON.parse(stdout.slice(stdout.indexOf('{')));
    const problems = report.problems.map((problem) =>
      `${problem.severity} ${problem.ruleId}: ${problem.message} ` +
      `(at ${problem.location.map((where) => where.pointer).join(', ')})`);
    assert.deepEqual(problems, [], 'redocly lint found problems');
    console.log(`redocly lint (recommended): no problems in ${JSON.parse(fs.readFileSync(document)).info.version}'s document`);
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

import { spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { goTool, toolPath } from '../harness/go-tools.js';
import { parseJUnit, type ConformanceCase } from './junit.js';

// Runs one build of the OCI distribution-spec conformance suite (scripts/go-tools.json) against a
// registry and reads its JUnit report. Two generations of the suite take different settings: the
// program of 2026 (`conformance`, OCI_REGISTRY/OCI_REPO1/...) and the Ginkgo test binary of 2023
// (`conformance-2023`, OCI_ROOT_URL/OCI_NAMESPACE/...).

export interface ConformanceTarget {
  /** 127.0.0.1:PORT, plain HTTP. */
  host: string;
  /** Two repositories the suite may push to, mount between and delete from. */
  repo1: string;
  repo2: string;
  username: string;
  password: string;
}

export interface ConformanceResult {
  suite: string;
  version: string;
  exitCode: number | null;
  cases: ConformanceCase[];
  passed: number;
  failed: number;
  skipped: number;
  /** stdout and stderr, the last 64 KiB. */
  output: string;
  resultsDir: string;
}

function environment(suite: string, target: ConformanceTarget, resultsDir: string): Record<string, string> {
  const base = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: resultsDir, TMPDIR: tmpdir() };
  const login = { OCI_USERNAME: target.username, OCI_PASSWORD: target.password };
  if (suite === 'conformance-2023') {
    return {
      ...base,
      ...login,
      OCI_ROOT_URL: `http://${target.host}`,
      OCI_NAMESPACE: target.repo1,
      OCI_CROSSMOUNT_NAMESPACE: target.repo2,
      OCI_TEST_PULL: '1',
      OCI_TEST_PUSH: '1',
      OCI_TEST_CONTENT_DISCOVERY: '1',
      OCI_TEST_CONTENT_MANAGEMENT: '1',
      // Check that a mount without `from` starts an upload (202) rather than skipping the check.
      OCI_AUTOMATIC_CROSSMOUNT: '0',
      OCI_HIDE_SKIPPED_WORKFLOWS: '0',
      OCI_DEBUG: '0',
      OCI_REPORT_DIR: resultsDir,
    };
  }
  return {
    ...base,
    ...login,
    OCI_REGISTRY: target.host,
    OCI_TLS: 'disabled',
    OCI_REPO1: target.repo1,
    OCI_REPO2: target.repo2,
    OCI_RESULTS_DIR: resultsDir,
    OCI_LOG: 'warn',
    // Berth supports these optional parts; the suite checks them only when told.
    OCI_API_BLOBS_UPLOAD_CANCEL: 'true',
    OCI_API_BLOBS_DIGEST_HEADER: 'true',
    OCI_API_MANIFESTS_DIGEST_HEADER: 'true',
  };
}

/** Run the suite to its end (it stops by itself); never rejects on a failing suite, only on a missing report. */
export async function runConformance(suite: string, target: ConformanceTarget): Promise<ConformanceResult> {
  const binary = toolPath(suite);
  const resultsDir = await mkdtemp(join(tmpdir(), `berth-${suite}-`));
  const child = spawn(binary, [], { cwd: resultsDir, env: environment(suite, target, resultsDir), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => { output = (output + chunk.toString()).slice(-64 * 1024); };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolve(code));
  });
  let xml: string;
  try {
    xml = await readFile(join(resultsDir, 'junit.xml'), 'utf8');
  } catch (error) {
    throw new Error(`${suite} wrote no junit.xml (exit ${exitCode}): ${String(error)}\n${output}`);
  }
  const cases = parseJUnit(xml);
  return {
    suite,
    version: goTool(suite).version,
    exitCode,
    cases,
    passed: cases.filter((c) => c.status === 'passed').length,
    failed: cases.filter((c) => c.status === 'failure' || c.status === 'error').length,
    skipped: cases.filter((c) => c.status === 'skipped').length,
    output,
    resultsDir,
  };
}

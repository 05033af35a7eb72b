import { describe, it, expect } from '@jest/globals';
import { parseJUnit } from './junit.js';

// The two report shapes the pinned conformance builds write (trimmed from real runs against Berth).

describe('parseJUnit', () => {
  it('reads Ginkgo reports (2023): the child element decides, and Ginkgo status words it does not know fall back to it', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
  <testsuites tests="4" disabled="1" errors="0" failures="1">
      <testsuite name="conformance tests" tests="4">
          <testcase name="[It] Pull Setup Populate registry with test blob" classname="conformance tests" status="passed" time="2.0"></testcase>
          <testcase name="[It] Push Get tag name from environment" classname="conformance tests" status="skipped" time="0">
              <skipped message="skipped - you have skipped this test."></skipped>
          </testcase>
          <testcase name="[It] Push PUT &quot;chunk&quot; should return 416" classname="conformance tests" status="failed" time="0.1">
              <failure message="Expected&#xA;    &lt;int&gt;: 400&#xA;to equal 416" type="failed">body</failure>
          </testcase>
          <testcase name="[It] Management panics" classname="conformance tests" status="panicked" time="0.1">
              <error message="boom" type="panicked"></error>
          </testcase>
      </testsuite>
  </testsuites>`;
    expect(parseJUnit(xml)).toEqual([
      { name: '[It] Pull Setup Populate registry with test blob', status: 'passed', message: '' },
      { name: '[It] Push Get tag name from environment', status: 'skipped', message: 'skipped - you have skipped this test.' },
      { name: '[It] Push PUT "chunk" should return 416', status: 'failure', message: 'Expected\n    <int>: 400\nto equal 416' },
      { name: '[It] Management panics', status: 'error', message: 'boom' },
    ]);
  });

  it('reads the 2026 program\'s reports: the status attribute decides, a skip\'s reason is its system-out', () => {
    const xml = `<testsuites time="203.5" tests="3" skipped="1">
  <testsuite name="OCI Conformance Test" tests="3" failures="1" errors="0" skipped="1" time="203.5">
    <testcase name="OCI Conformance Test/ping" classname="" time="1.7" status="passed">
      <system-err>~~~ REQUEST ~~~&#xA;Method: GET</system-err>
    </testcase>
    <testcase name="OCI Conformance Test/sha256 blobs/mount anonymous/blob-mount-anonymous" classname="" time="1.1" status="skipped">
      <system-out>registry returned status 202, fell back to blob POST+PUT</system-out>
      <system-err>~~~ REQUEST ~~~&#xA;Method: POST</system-err>
    </testcase>
    <testcase name="OCI Conformance Test/sha256 blobs/chunked out-of-order and put chunk" classname="" time="0.2" status="failure">
      <failure message="blob out of order chunk: unexpected status 400"></failure>
    </testcase>
  </testsuite>
</testsuites>`;
    expect(parseJUnit(xml)).toEqual([
      { name: 'OCI Conformance Test/ping', status: 'passed', message: '' },
      { name: 'OCI Conformance Test/sha256 blobs/mount anonymous/blob-mount-anonymous', status: 'skipped', message: 'registry returned status 202, fell back to blob POST+PUT' },
      { name: 'OCI Conformance Test/sha256 blobs/chunked out-of-order and put chunk', status: 'failure', message: 'blob out of order chunk: unexpected status 400' },
    ]);
  });

  it('finds no case in a report without testcases', () => {
    expect(parseJUnit('<testsuites tests="0"></testsuites>')).toEqual([]);
  });
});

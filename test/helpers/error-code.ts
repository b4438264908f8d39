import assert from 'node:assert/strict';
import { DcError } from '../../src/core/errors.ts';

/** The DcError code a promise fails with, or 'no error'; any other kind of failure fails the test. */
export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof DcError, `expected a DcError, got ${String(err)}`);
    return err.code;
  }
  return 'no error';
}

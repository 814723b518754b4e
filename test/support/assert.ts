// Assertion helpers for errors the tests expect.
import assert from 'node:assert/strict';
import { MediaLabError } from '../../plugin/core/errors.js';

/** For assert.rejects/throws: the error is a MediaLabError with this code. */
export function isMediaLabError(code: string) {
  return (error: unknown) => {
    assert.ok(error instanceof MediaLabError, `expected a MediaLabError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return true;
  };
}

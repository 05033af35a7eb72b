import { describe, expect, it } from '@jest/globals';
import { connectionFailureReason, DatabaseUnavailableError, withUnavailableErrors } from './unavailable.js';

const coded = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('connectionFailureReason', () => {
  it('recognizes socket errors, server shutdowns and pg connection messages, through drizzle wrappers', () => {
    expect(connectionFailureReason(coded('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'))).toBe('connect ECONNREFUSED 127.0.0.1:5432');
    expect(connectionFailureReason(coded('57P01', 'terminating connection due to administrator command'))).toBe('terminating connection due to administrator command (57P01)');
    expect(connectionFailureReason(coded('08006', 'connection failure'))).toBe('connection failure (08006)');
    expect(connectionFailureReason(coded('53300', 'sorry, too many clients already'))).toMatch(/too many clients/);
    expect(connectionFailureReason(new Error('Failed query: select 1', { cause: new Error('Connection terminated unexpectedly') }))).toBe('Connection terminated unexpectedly');
    expect(connectionFailureReason(new Error('timeout exceeded when trying to connect'))).toBe('timeout exceeded when trying to connect');
    const aggregate = Object.assign(new AggregateError([coded('ECONNREFUSED', 'connect ECONNREFUSED ::1:5432')], ''), { code: 'ECONNREFUSED' });
    expect(connectionFailureReason(aggregate)).toBe('connect ECONNREFUSED ::1:5432');
  });

  it('leaves query errors alone (constraint, syntax, serialization)', () => {
    expect(connectionFailureReason(coded('23505', 'duplicate key value violates unique constraint'))).toBeUndefined();
    expect(connectionFailureReason(coded('40001', 'could not serialize access'))).toBeUndefined();
    expect(connectionFailureReason(new Error('Failed query: insert', { cause: coded('42601', 'syntax error') }))).toBeUndefined();
  });
});

describe('withUnavailableErrors', () => {
  it('rethrows connection failures as DatabaseUnavailableError from methods and nested objects, others unchanged', async () => {
    const refused = coded('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432');
    const duplicate = coded('23505', 'duplicate key');
    const store = withUnavailableErrors({
      get: () => Promise.reject(refused),
      put: () => Promise.reject(duplicate),
      ok: () => Promise.resolve(1),
      nested: { list: () => Promise.reject(refused) },
    });
    await expect(store.get()).rejects.toEqual(expect.objectContaining({ name: 'DatabaseUnavailableError', message: 'metadata database unavailable: connect ECONNREFUSED 127.0.0.1:5432' }));
    await expect(store.nested.list()).rejects.toBeInstanceOf(DatabaseUnavailableError);
    await expect(store.put()).rejects.toBe(duplicate);
    await expect(store.ok()).resolves.toBe(1);
  });
});

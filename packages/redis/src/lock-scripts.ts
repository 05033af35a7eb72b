// Lua run atomically by Redis: a lease may only touch the key while it still holds its own token,
// so a holder whose lock expired (and was taken over) can neither extend nor delete the new lock.

/** KEYS[1] lock key, ARGV[1] token, ARGV[2] ttl in ms → 1 when extended, 0 when the lock is not ours. */
export const EXTEND_IF_OWNER = `
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
`;

/** KEYS[1] lock key, ARGV[1] token → 1 when deleted, 0 when the lock is not ours. */
export const DELETE_IF_OWNER = `
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
`;

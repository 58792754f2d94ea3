import { LuaScript } from './script.js'

// Claims keys, in this order in KEYS: key hash (claim key -> owner), owner hash (owner -> claim
// key), value hash (owner -> JSON value: the member list), "of" set (the owners one instance
// claimed). Each owner holds at most one key. Replies: {1} done, {0, holder} taken by holder,
// {-1, ...} refused (owner holds another key / is not the holder).

/** ARGV: key, owner, value JSON. */
export const CLAIM = new LuaScript(`
local holder = redis.call('HGET', KEYS[1], ARGV[1])
if holder and holder ~= ARGV[2] then return {0, holder} end
local held = redis.call('HGET', KEYS[2], ARGV[2])
if held and held ~= ARGV[1] then return {-1, held} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
redis.call('HSET', KEYS[3], ARGV[2], ARGV[3])
redis.call('SADD', KEYS[4], ARGV[2])
return {1}
`)

/** ARGV: old key, new key, owner, new value JSON or ''. */
export const RENAME = new LuaScript(`
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[3] then return {-1} end
local holder = redis.call('HGET', KEYS[1], ARGV[2])
if holder and holder ~= ARGV[3] then return {0, holder} end
if ARGV[1] ~= ARGV[2] then redis.call('HDEL', KEYS[1], ARGV[1]) end
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
redis.call('HSET', KEYS[2], ARGV[3], ARGV[2])
if ARGV[4] ~= '' then redis.call('HSET', KEYS[3], ARGV[3], ARGV[4]) end
return {1}
`)

/** ARGV: key, owner. Returns 1 if the owner held it. */
export const RELEASE = new LuaScript(`
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[2])
redis.call('HDEL', KEYS[3], ARGV[2])
redis.call('SREM', KEYS[4], ARGV[2])
return 1
`)

/**
 * Releases everything one instance claimed. With 6 KEYS (… instances set, lease key) it is the
 * reaper's step and first claims the reaping: nothing happens unless the lease is gone and this
 * call is the one that removes the instance from the set, so two reapers never both report it.
 * ARGV: instance id. Returns nil, or {1, {owner, key, value, owner, key, value, ...}}.
 */
export const RELEASE_INSTANCE = new LuaScript(`
if #KEYS == 6 then
  if redis.call('EXISTS', KEYS[6]) == 1 then return false end
  if redis.call('SREM', KEYS[5], ARGV[1]) == 0 then return false end
end
local out = {}
for _, owner in ipairs(redis.call('SMEMBERS', KEYS[4])) do
  local key = redis.call('HGET', KEYS[2], owner)
  local value = redis.call('HGET', KEYS[3], owner)
  if key and redis.call('HGET', KEYS[1], key) == owner then redis.call('HDEL', KEYS[1], key) end
  redis.call('HDEL', KEYS[2], owner)
  redis.call('HDEL', KEYS[3], owner)
  table.insert(out, owner)
  table.insert(out, key or '')
  table.insert(out, value or '')
end
redis.call('DEL', KEYS[4])
return {1, out}
`)

/** The reaper's step for leases without claims. KEYS: instances set, lease. ARGV: instance id. */
export const REAP_LEASE = new LuaScript(`
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
return redis.call('SREM', KEYS[1], ARGV[1])
`)

/**
 * KEYS: instances set, lease. ARGV: instance id, ttl ms, lease value. Returns 1 when the instance
 * was still registered, 0 when it was not (first start, or it was reaped / Redis lost it): the
 * caller must then re-establish what it owns.
 */
export const RENEW = new LuaScript(`
local member = redis.call('SISMEMBER', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[2])
if member == 0 then redis.call('SADD', KEYS[1], ARGV[1]) end
return member
`)

/** KEYS: state hash. ARGV: ts, value JSON. Stores only a newer timestamp; returns 1 if stored. */
export const SET_IF_NEWER = new LuaScript(`
local current = tonumber(redis.call('HGET', KEYS[1], 'ts') or '-1')
if tonumber(ARGV[1]) <= current then return 0 end
redis.call('HSET', KEYS[1], 'ts', ARGV[1], 'value', ARGV[2])
return 1
`)

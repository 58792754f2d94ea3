import { LuaScript } from './script.js'

// Stream entries are `s <seq> d <data>`, `s` first. The meta hash holds `epoch`, `seq` (the last
// sequence number given out) and, after a rewind, `prev` (the epoch it replaced). Scripts run
// atomically, and Redis writes a script's effects to the AOF and replicas as one unit, so the
// stream and its meta never disagree, even after a crash.

/** Returns the log's epoch, creating it from ARGV[n] when the log has none (new, or data lost). */
const ENSURE_EPOCH = `
local function ensure_epoch (candidate)
  local epoch = redis.call('HGET', KEYS[2], 'epoch')
  if not epoch then
    epoch = candidate
    redis.call('HSET', KEYS[2], 'epoch', epoch)
  end
  return epoch
end
`

/**
 * KEYS: stream, meta[, dedupe]. ARGV: data, maxlen, dedupe ttl ms, candidate epoch.
 * Returns {seq, id, epoch, duplicate 0|1}.
 */
export const APPEND = new LuaScript(ENSURE_EPOCH + `
local epoch = ensure_epoch(ARGV[4])
if KEYS[3] then
  local seen = redis.call('GET', KEYS[3])
  if seen then
    local e, s, id = string.match(seen, '^(%S+) (%d+) (%S+)$')
    if e == epoch then return {tonumber(s), id, epoch, 1} end
  end
end
local seq = redis.call('HINCRBY', KEYS[2], 'seq', 1)
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 's', seq, 'd', ARGV[1])
if KEYS[3] then
  redis.call('SET', KEYS[3], epoch .. ' ' .. seq .. ' ' .. id, 'PX', ARGV[3])
end
return {seq, id, epoch, 0}
`)

/**
 * KEYS: stream, meta[, hash]. ARGV: n, candidate epoch.
 * Returns {epoch, seq, newest max(n,1) entries newest first, HGETALL of hash or {}}.
 */
export const SNAPSHOT = new LuaScript(ENSURE_EPOCH + `
local epoch = ensure_epoch(ARGV[2])
local seq = tonumber(redis.call('HGET', KEYS[2], 'seq') or '0')
local rows = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', math.max(tonumber(ARGV[1]), 1))
local hash = {}
if KEYS[3] then hash = redis.call('HGETALL', KEYS[3]) end
return {epoch, seq, rows, hash}
`)

/**
 * KEYS: stream, meta. ARGV: after seq, max, candidate epoch.
 * Returns {epoch, seq, up to max newest entries after that seq (newest first), how many there are}.
 * Sequence numbers are dense, so the entries after seq s are exactly the newest (seq - s).
 */
export const SINCE = new LuaScript(ENSURE_EPOCH + `
local epoch = ensure_epoch(ARGV[3])
local seq = tonumber(redis.call('HGET', KEYS[2], 'seq') or '0')
local want = seq - tonumber(ARGV[1])
if want <= 0 then return {epoch, seq, {}, want} end
local rows = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', math.min(want, tonumber(ARGV[2])))
return {epoch, seq, rows, want}
`)

/**
 * Validates a reader's resume position. KEYS: stream, meta. ARGV: known epoch ('' = adopt),
 * last id, last seq, candidate epoch. Returns {epoch, verdict, resume id, resume seq} where verdict is
 * 'ok' (resume where you were), 'recreated' (new log: read it from the start) or 'rewound' (Redis
 * lost entries this reader had already delivered, e.g. an AOF without fsync: the epoch is replaced,
 * once, so clients learn their positions are void; resume after the newest surviving entry).
 */
export const CHECK = new LuaScript(ENSURE_EPOCH + `
local function parse (id)
  local ms, sq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(sq)
end
local function id_less (a, b)
  local am, as = parse(a)
  local bm, bs = parse(b)
  return am < bm or (am == bm and as < bs)
end
local function at_or_before (id)
  local r = redis.call('XREVRANGE', KEYS[1], id, '-', 'COUNT', 1)
  if #r == 0 then return '0-0', 0 end
  return r[1][1], tonumber(r[1][2][2])
end
local epoch = ensure_epoch(ARGV[4])
local known, last_id, last_seq = ARGV[1], ARGV[2], tonumber(ARGV[3])
if known == '' then return {epoch, 'ok', last_id, last_seq} end
if epoch ~= known then
  if redis.call('HGET', KEYS[2], 'prev') == known then
    local id, s = at_or_before(last_id)
    return {epoch, 'rewound', id, s}
  end
  return {epoch, 'recreated', '0-0', 0}
end
if last_seq == 0 then return {epoch, 'ok', last_id, last_seq} end
if #redis.call('XRANGE', KEYS[1], last_id, last_id) == 1 then return {epoch, 'ok', last_id, last_seq} end
local first = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)
local seq = tonumber(redis.call('HGET', KEYS[2], 'seq') or '0')
if #first == 1 and id_less(last_id, first[1][1]) and seq >= last_seq then
  return {epoch, 'ok', last_id, last_seq}
end
redis.call('HSET', KEYS[2], 'epoch', ARGV[4], 'prev', epoch)
local id, s = at_or_before(last_id)
return {ARGV[4], 'rewound', id, s}
`)

-- Needs parse.lua. Writes a batch of player states; a state older than the stored one
-- (a larger inverted sequence) is ignored. Returns how many were applied.
local h = KEYS[1]
local prefix = ARGV[1]
local function remove(part, member, score)
  redis.call('ZREM', prefix .. ':z:' .. part, member)
  local c = prefix .. ':c:' .. part
  if redis.call('HINCRBY', c, score, -1) <= 0 then
    redis.call('HDEL', c, score)
    redis.call('ZREM', prefix .. ':d:' .. part, score)
  end
end
local function add(part, member, score)
  redis.call('ZADD', prefix .. ':z:' .. part, score, member)
  if redis.call('HINCRBY', prefix .. ':c:' .. part, score, 1) == 1 then
    redis.call('ZADD', prefix .. ':d:' .. part, score, score)
  end
end
local applied = 0
for i = 2, #ARGV, 5 do
  local player, part, inv, score, hidden = ARGV[i], ARGV[i+1], ARGV[i+2], ARGV[i+3], ARGV[i+4]
  local old = redis.call('HGET', h, player)
  local fresh = true
  if old then
    local o_inv, o_hidden, o_score, o_part = parse(old)
    if inv > o_inv or (inv == o_inv and hidden == o_hidden and part == o_part
        and score == o_score) then
      fresh = false
    elseif o_hidden == '0' then
      remove(o_part, o_inv .. ':' .. player, o_score)
    end
  end
  if fresh then
    if hidden == '0' then add(part, inv .. ':' .. player, score) end
    redis.call('HSET', h, player, inv .. hidden .. score .. '\n' .. part)
    applied = applied + 1
  end
end
return applied

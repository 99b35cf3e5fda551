-- Needs ready.lua. One page of the board from the top, with how many rank above it.
local offset, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
local rows = redis.call('ZREVRANGE', KEYS[3], offset, offset + limit - 1, 'WITHSCORES')
local above = 0
if #rows > 0 and offset > 0 then
  local key = ARGV[3] == 'dense' and KEYS[4] or KEYS[3]
  above = redis.call('ZCOUNT', key, '(' .. rows[2], '+inf')
end
return {above, rows}

-- Needs parse.lua and ready.lua. The rows around one player, with the counts above
-- and below the first row and the board's size.
local state = redis.call('HGET', KEYS[3], ARGV[1])
if not state then return {0} end
local inv, hidden, score, part = parse(state)
if hidden == '1' or part ~= ARGV[4] then return {0} end
local pos = redis.call('ZREVRANK', KEYS[4], inv .. ':' .. ARGV[1])
local radius = tonumber(ARGV[2])
local start = pos - radius
if start < 0 then start = 0 end
local rows = redis.call('ZREVRANGE', KEYS[4], start, pos + radius, 'WITHSCORES')
local first = rows[2]
local key = ARGV[3] == 'dense' and KEYS[5] or KEYS[4]
local above = redis.call('ZCOUNT', key, '(' .. first, '+inf')
local below = redis.call('ZCOUNT', KEYS[4], '-inf', '(' .. first)
return {1, start, above, below, redis.call('ZCARD', KEYS[4]), rows}

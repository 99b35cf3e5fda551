-- Answer nothing unless the boards are complete in Redis and no rebuild is running.
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('EXISTS', KEYS[2]) == 1 then
  return false
end

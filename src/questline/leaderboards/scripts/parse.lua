-- State is "<16 hex digits><0|1><score>\n<partition>": fixed-width fields first, since
-- a %x+ pattern would run on into the flag and the score's digits.
local function parse(state)
  local newline = string.find(state, '\n', 18, true)
  return string.sub(state, 1, 16), string.sub(state, 17, 17),
    string.sub(state, 18, newline - 1), string.sub(state, newline + 1)
end

-- wrk script: a JSON array of 100 page views (about 150 bytes each) per POST to
-- /collect/raw/page_views/batch, all or nothing. Every 202 means the 100 events were fsync'd
-- into the buffer in one write.
--
--   wrk -t2 -c64 -d10s --latency -s Benchmarks/events/batch.lua http://127.0.0.1:PORT
--
-- events/s = requests/s x 100. Each thread prepares a pool of bodies with varying user_id,
-- page, referrer and duration and sends them in turn.

local path = "/collect/raw/page_views/batch"
local per_batch = 100
local pool_size = 50
local pages = {
  "/", "/pricing", "/products/%d", "/blog/events-into-ducklake", "/docs/start", "/cart", "/search?q=shoes&p=%d",
}
local referrers = {
  "https://www.google.com/", "https://news.ycombinator.com/item?id=%d", "https://t.co/x%d", "https://example.org/",
}
local counter = 0
local pool = {}
local next_request = 0

-- One event as JSON; `n` picks its page, referrer, user and duration.
local function event(n)
  local page = string.format(pages[n % #pages + 1], n % 977)
  local referrer = string.format(referrers[n % #referrers + 1], 40000000 + n % 99991)
  return string.format(
    '{"event_name":"page_view","page_url":"https://shop.example.com%s","referrer":"%s","user_id":%d,"duration_ms":%d}',
    page, referrer, math.random(1, 5000000), math.random(40, 120000))
end

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  math.randomseed(os.time() + (id or 0) * 7919)
  local headers = { ["Content-Type"] = "application/json" }
  for n = 1, pool_size do
    local events = {}
    for i = 1, per_batch do
      events[i] = event(((id or 0) * pool_size + n) * per_batch + i)
    end
    pool[n] = wrk.format("POST", path, headers, "[" .. table.concat(events, ",") .. "]")
  end
end

function request()
  next_request = next_request % pool_size + 1
  return pool[next_request]
end

-- wrk script: one page view (a JSON object of about 150 bytes) per POST to
-- /collect/raw/page_views. Every 202 means the event was fsync'd into the buffer.
--
--   wrk -t2 -c64 -d10s --latency -s Benchmarks/events/single.lua http://127.0.0.1:PORT
--
-- Each thread prepares a pool of requests with varying user_id, page, referrer and duration
-- (so wrk's own work per request stays small) and sends them in turn.

local path = "/collect/raw/page_views"
local pool_size = 1000
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
    pool[n] = wrk.format("POST", path, headers, event(n + (id or 0) * pool_size))
  end
end

function request()
  next_request = next_request % pool_size + 1
  return pool[next_request]
end

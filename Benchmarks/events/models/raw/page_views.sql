-- @kind: events
-- @description: Page views posted by ondatra-bench events (single.lua, batch.lua, the 1M fill).
event_name VARCHAR NOT NULL,
page_url VARCHAR,
referrer VARCHAR,
user_id BIGINT,
duration_ms INTEGER,
received_at TIMESTAMPTZ

-- wrk script for tests/benchmarks/throughput.py: cycle through a fixed list of request paths.
-- WRK_PATHS_FILE: one path per line; WRK_COOKIE: an optional Cookie header (our session).
-- Each thread starts at its own offset in the list; every response outside 2xx is counted
-- (wrk itself counts only 4xx/5xx, so a redirect to the login page would pass unnoticed).
-- done() prints one JSON line: requests, duration, p50/p99 latency (µs), errors.

local paths = {}
for line in io.lines(os.getenv("WRK_PATHS_FILE")) do
  if line ~= "" then
    paths[#paths + 1] = line
  end
end

local cookie = os.getenv("WRK_COOKIE")
if cookie and cookie ~= "" then
  wrk.headers["Cookie"] = cookie
end

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  threads[#threads + 1] = thread
end

function init(args)
  position = id * 97
  bad = 0
end

function request()
  position = position + 1
  return wrk.format("GET", paths[(position % #paths) + 1])
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local non_2xx = 0
  for _, thread in ipairs(threads) do
    non_2xx = non_2xx + thread:get("bad")
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, "p99_us": %d, '
      .. '"non_2xx": %d, "socket_errors": %d, "timeouts": %d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(99),
    non_2xx, e.connect + e.read + e.write, e.timeout))
end

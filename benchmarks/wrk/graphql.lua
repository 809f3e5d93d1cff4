-- wrk script for `bench`: POSTs one GraphQL request body on every keep-alive connection, checks
-- each response byte for byte against the gateway's own verified answer, and prints one line
-- "BENCH_RESULT {json}" with counts, socket errors and latency percentiles (microseconds).
-- Inputs (environment): BENCH_BODY_FILE (the request body), BENCH_EXPECTED_FILE (the expected
-- response bytes; unset = no body check), BENCH_WRONG_FILE (where the first wrong body is kept,
-- so the harness can say what was wrong).

local function slurp(path)
  local file = assert(io.open(path, "rb"))
  local content = file:read("*a")
  file:close()
  return content
end

wrk.method = "POST"
wrk.body = slurp(os.getenv("BENCH_BODY_FILE"))
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"

local expected_path = os.getenv("BENCH_EXPECTED_FILE")
local expected = expected_path and expected_path ~= "" and slurp(expected_path) or nil
local wrong_path = os.getenv("BENCH_WRONG_FILE")
local threads = {}
wrong = 0
checked = 0

function setup(thread)
  table.insert(threads, thread)
end

function response(status, headers, body)
  if expected ~= nil and status == 200 then
    checked = checked + 1
    if body ~= expected then
      if wrong == 0 and wrong_path and wrong_path ~= "" then
        local file = io.open(wrong_path, "wb")
        if file then
          file:write(body)
          file:close()
        end
      end
      wrong = wrong + 1
    end
  end
end

function done(summary, latency, requests)
  local wrong_total, checked_total = 0, 0
  for _, thread in ipairs(threads) do
    wrong_total = wrong_total + thread:get("wrong")
    checked_total = checked_total + thread:get("checked")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"wrong_bodies":%d,"checked_bodies":%d,' ..
    '"latency_us":{"mean":%.1f,"max":%d,"p50":%d,"p90":%d,"p99":%d,"p999":%d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    wrong_total, checked_total,
    latency.mean, latency.max, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency:percentile(99.9)))
end

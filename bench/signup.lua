-- wrk script: POST unique public sign-ups to /devenir-volontaire/.
-- The CSRF cookie and the matching form token come from a GET made beforehand (bench/signup.py),
-- passed in BENCH_CSRF; BENCH_BODY is the url-encoded form with "{EMAIL}" where each request
-- puts its own unique e-mail address. A sign-up succeeded when Django redirects (302) to the
-- thanks page; any other status (a 200 re-displaying the form with errors included) is an error.
-- BENCH_PATH (default the sign-up) points the same load at the bare views of bench/bare_views.py.

local csrf = os.getenv("BENCH_CSRF")
local body_template = os.getenv("BENCH_BODY")
local run_id = os.getenv("BENCH_RUN")
local path = os.getenv("BENCH_PATH") or "/devenir-volontaire/"
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  counter = 0
  created = 0
  failed = 0
end

function request()
  counter = counter + 1
  local email = string.format("signup-%s-%d-%d%%40bench.invalid", run_id, id, counter)
  -- A function as replacement: the url-encoded body is full of "%", special in gsub strings.
  local body = string.gsub(body_template, "{EMAIL}", function() return email end)
  local headers = {}
  headers["Content-Type"] = "application/x-www-form-urlencoded"
  headers["Cookie"] = "csrftoken=" .. csrf
  return wrk.format("POST", path, headers, body)
end

function response(status, headers, body)
  if status == 302 then
    created = created + 1
  else
    failed = failed + 1
  end
end

function done(summary, latency, requests)
  local ok, bad = 0, 0
  for _, thread in ipairs(threads) do
    ok = ok + thread:get("created")
    bad = bad + thread:get("failed")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "created": %d, "failed_status": %d, ' ..
    '"connect_errors": %d, "read_errors": %d, "write_errors": %d, "timeouts": %d, "non_2xx_3xx": %d, ' ..
    '"p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, ok, bad, e.connect, e.read, e.write, e.timeout, e.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end

-- wrk script: cycle through the request paths in the file named by URLS_FILE
-- (one per line), each connection starting at a different offset.
local paths = {}
local file = os.getenv("URLS_FILE") or "urls.txt"
for line in io.lines(file) do
  if #line > 0 then paths[#paths + 1] = line end
end
local counter = 0
function setup(thread)
  thread:set("offset", counter * 97)
  counter = counter + 1
end
function init(args)
  i = offset or 0
end
function request()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end

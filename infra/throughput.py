#!/usr/bin/env python3
"""Throughput of the local server on a read-heavy mix, next to a bare hyper hello-world, in
one run on the same machine (`make bench-throughput`, part of `make bench`).

Usage: throughput.py LOCAL_SERVER HELLO_SERVER [SECONDS] [CONNECTIONS]

Both servers are release-optimised binaries (`make` builds them with the bench profile).
`wrk` drives each for SECONDS (default 15) with 2 threads and CONNECTIONS (default 64) keep-
alive connections, on the same 2 cores as the server. The local server runs over a fresh
embedded store that this script seeds through the API (one account, an administrator, an API
inbox, 50 conversations with messages, a Client API contact); its request log is set to
`warn` (in Lambda the per-request line goes to CloudWatch, not through this process's
stdout). The mix runs whole, then its reads alone (the embedded store makes every write
durable before answering, one writer at a time, so writes are what its throughput is made
of). Prints a markdown table and the ratios; exits non-zero if any request failed.
"""

import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

PLATFORM_TOKEN = "throughput-bench-platform-token"
HELLO = "bare hyper hello-world"
MIXED = "local server, read-heavy mix"
CONVERSATIONS = 50
MESSAGES_PER_CONVERSATION = 4

# The read-heavy mix, in twentieths: an agent dashboard (lists, a conversation and its
# messages, contacts, the profile), a chat widget polling its messages, and replies.
MIX = [
    (4, "GET", "{app}/conversations", None),
    (2, "GET", "{app}/conversations/meta", None),
    (3, "GET", "{app}/conversations/{conversation}", None),
    (4, "GET", "{app}/conversations/{conversation}/messages", None),
    (1, "GET", "{app}/contacts", None),
    (1, "GET", "/api/v1/profile", None),
    (3, "GET", "{widget}/messages", None),
    (2, "POST", "{app}/conversations/{conversation}/messages", {"content": "Thanks, on it."}),
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, process, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            sys.exit(f"throughput: server exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"throughput: nothing listening on {port} after {seconds} s")


def call(base, method, path, token=None, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("content-type", "application/json")
    if token:
        request.add_header("api_access_token", token)
    with urllib.request.urlopen(request) as response:
        return json.load(response)


def seed(base):
    """The account the mix reads, made through the API. Returns the mix's path parameters
    and the administrator's token."""
    account = call(base, "POST", "/platform/api/v1/accounts", PLATFORM_TOKEN, {"name": "Bench"})["id"]
    user = call(base, "POST", "/platform/api/v1/users", PLATFORM_TOKEN,
                {"name": "Agent", "email": "agent@bench.test", "password": "Password1!"})
    call(base, "POST", f"/platform/api/v1/accounts/{account}/account_users", PLATFORM_TOKEN,
         {"user_id": user["id"], "role": "administrator"})
    token = call(base, "GET", f"/platform/api/v1/users/{user['id']}", PLATFORM_TOKEN)["access_token"]
    app = f"/api/v1/accounts/{account}"
    inbox = call(base, "POST", f"{app}/inboxes", token, {"name": "Support", "channel": {"type": "api"}})
    conversations = []
    for n in range(CONVERSATIONS):
        contact = call(base, "POST", f"{app}/contacts", token,
                       {"name": f"Customer {n}", "email": f"customer{n}@bench.test", "inbox_id": inbox["id"]})
        contact_id = contact["payload"]["contact"]["id"]
        conversation = call(base, "POST", f"{app}/conversations", token,
                            {"contact_id": contact_id, "inbox_id": inbox["id"],
                             "message": {"content": "Hello, I need help"}})["id"]
        conversations.append(conversation)
        for m in range(MESSAGES_PER_CONVERSATION):
            call(base, "POST", f"{app}/conversations/{conversation}/messages", token,
                 {"content": f"Reply {m}", "message_type": "outgoing"})
    public = f"/public/api/v1/inboxes/{inbox['inbox_identifier']}/contacts"
    visitor = call(base, "POST", public, None, {"name": "Visitor"})["source_id"]
    widget_conversation = call(base, "POST", f"{public}/{visitor}/conversations", None, {})["id"]
    call(base, "POST", f"{public}/{visitor}/conversations/{widget_conversation}/messages", None,
         {"content": "Is anyone there?"})
    return {
        "app": app,
        "conversations": conversations,
        "widget": f"{public}/{visitor}/conversations/{widget_conversation}",
    }, token


def lua_script(mix, parameters, token):
    """A wrk script cycling through the mix's requests in proportion, one round of the mix
    per seeded conversation (replies spread over the conversations as agents' do: one
    conversation takes at most 200 messages a minute, as in Chatwoot)."""
    entries = []
    rounds = [(weight, method, path.format(conversation=conversation, **parameters), body)
              for conversation in parameters["conversations"]
              for weight, method, path, body in mix]
    for weight, method, path, body in rounds:
        payload = "nil" if body is None else json.dumps(json.dumps(body))
        headers = '{["api_access_token"] = "%s", ["content-type"] = "application/json"}' % token
        entries += [f'  {{"{method}", "{path}", {headers}, {payload}}}'] * weight
    return (
        "local mix = {\n" + ",\n".join(entries) + "\n}\n"
        "local requests = {}\n"
        "local next_request = 0\n"
        "function init(args)\n"
        "  for i, r in ipairs(mix) do requests[i] = wrk.format(r[1], r[2], r[3], r[4]) end\n"
        "end\n"
        "function request()\n"
        "  next_request = next_request % #requests + 1\n"
        "  return requests[next_request]\n"
        "end\n"
    )


def to_ms(text):
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(url, seconds, connections, script=None):
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script:
        command += ["-s", script]
    output = subprocess.run(command + [url], check=True, capture_output=True, text=True).stdout
    failed = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": to_ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1)),
        "p99": to_ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1)),
        "failed": int(failed.group(1)) if failed else 0,
        "socket_errors": errors.group(1) if errors else "none",
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
    }


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__.split("\n\n")[1])
    local_server, hello = sys.argv[1], sys.argv[2]
    seconds = int(sys.argv[3]) if len(sys.argv) > 3 else 15
    connections = int(sys.argv[4]) if len(sys.argv) > 4 else 64
    results = {}
    with tempfile.TemporaryDirectory() as data_dir:
        port = free_port()
        server = subprocess.Popen([hello], env={**os.environ, "PORT": str(port)},
                                  stdout=subprocess.DEVNULL)
        try:
            wait_listening(port, server)
            results[HELLO] = run_wrk(f"http://127.0.0.1:{port}/", seconds, connections)
        finally:
            server.terminate()
            server.wait()

        port = free_port()
        env = {**os.environ, "PORT": str(port), "DATA_DIR": data_dir, "STORAGE": "embedded",
               "PLATFORM_APP_TOKEN": PLATFORM_TOKEN, "RUST_LOG": "warn"}
        server = subprocess.Popen([local_server], env=env, stdout=subprocess.DEVNULL)
        try:
            wait_listening(port, server)
            base = f"http://127.0.0.1:{port}"
            parameters, token = seed(base)
            reads_only = [entry for entry in MIX if entry[1] == "GET"]
            for name, mix in [(MIXED, MIX), ("local server, the mix's reads only", reads_only)]:
                script = os.path.join(data_dir, "mix.lua")
                with open(script, "w") as f:
                    f.write(lua_script(mix, parameters, token))
                results[name] = run_wrk(base, seconds, connections, script)
        finally:
            server.terminate()
            server.wait()

    reads = sum(w for w, method, _, _ in MIX if method == "GET")
    print(f"Throughput: wrk, 2 threads, {connections} connections, {seconds} s each, "
          f"on the same {os.cpu_count()} cores as the server")
    print(f"Mix: {reads * 5} % reads over {len([m for m in MIX if m[1] == 'GET'])} routes, "
          f"{100 - reads * 5} % message posts\n")
    print("| server | requests/s | p50 (ms) | p99 (ms) | requests | non-2xx | socket errors |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
    for name, r in results.items():
        print(f"| {name} | {r['rps']:,.0f} | {r['p50']:.2f} | {r['p99']:.2f} | "
              f"{r['requests']:,} | {r['failed']} | {r['socket_errors']} |")
    hello_rps = results[HELLO]["rps"]
    print()
    for name, r in results.items():
        if name != HELLO:
            print(f"Ratio, {name}: {r['rps'] / hello_rps:.1%} of hello-world's requests/s "
                  f"({hello_rps / r['rps']:.1f}x fewer).")
    if any(r["failed"] for r in results.values()):
        sys.exit("throughput: some requests failed")


if __name__ == "__main__":
    main()

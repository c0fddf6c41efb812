#!/usr/bin/env python3
"""Cold start of each function's release `bootstrap`, through a local Lambda runtime API.

Usage: cold-start.py BIN_DIR [RUNS]

BIN_DIR holds `<function>/bootstrap` (cargo lambda build's target/lambda). For every run a
fresh process starts with the environment the template gives a function (STORAGE=aws, table,
bucket, FRONTEND_URL) and AWS_LAMBDA_RUNTIME_API pointing at a stub of the runtime API served
here; the DynamoDB and S3 endpoints come from the calling environment (DynamoDB Local + moto).
Measured from process start: `init` = the first GET .../invocation/next (clients built, the
DynamoDB connection warmed), `first response` = the POST of the first event's response.
The event is the function's sample in events/: an API Gateway v2 request for the four API
functions (unknown tokens, so each answers 401/404 after its lookup in the table), a stream
batch of one outbox record for the dispatcher (the account has no webhooks: it reads and
answers no failures), a scheduled tick for the scheduler (no campaigns are due: one query).
A throwaway table is created and deleted.
Needs boto3 (the SAM CLI's environment has it).
"""
import http.server
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid

import boto3

FUNCTIONS = [
    ("platform", "events/platform-get-account.json"),
    ("application", "events/application-get-profile.json"),
    ("client", "events/client-get-inbox.json"),
    ("reports", "events/reports-summary.json"),
    ("dispatcher", "events/dispatcher-stream.json"),
    ("scheduler", "events/scheduler-tick.json"),
]
NEXT = "/2018-06-01/runtime/invocation/next"
TIMEOUT_SECONDS = 20


class Invocation:
    """One process's first invocation, as the stub saw it."""

    def __init__(self, event):
        self.event = event
        self.first_next = None
        self.responded = None
        self.status = None
        self.error = None
        self.done = threading.Event()
        self.stopped = threading.Event()


class RuntimeApi(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *_):
        pass

    def _reply(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
                if size == 0:
                    return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("Content-Length", 0)))

    def do_GET(self):
        invocation = self.server.invocation
        if self.path != NEXT:
            return self._reply(404)
        if invocation.first_next is not None:
            invocation.stopped.wait(TIMEOUT_SECONDS)  # the next event never comes
            return
        invocation.first_next = time.perf_counter()
        deadline_ms = int(time.time() * 1000) + 29_000
        self._reply(
            200,
            invocation.event,
            [
                ("Content-Type", "application/json"),
                ("Lambda-Runtime-Aws-Request-Id", str(uuid.uuid4())),
                ("Lambda-Runtime-Deadline-Ms", str(deadline_ms)),
                ("Lambda-Runtime-Invoked-Function-Arn",
                 "arn:aws:lambda:us-east-1:123456789012:function:cold-start"),
                ("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000"),
            ],
        )

    def do_POST(self):
        invocation = self.server.invocation
        body = self._body()
        if self.path.endswith("/response"):
            invocation.responded = time.perf_counter()
            answer = json.loads(body or b"null")
            # An API response's status; the stream and schedule handlers' whole answer.
            is_api = isinstance(answer, dict) and "statusCode" in answer
            invocation.status = answer["statusCode"] if is_api else json.dumps(answer)
        else:  # .../error or /init/error
            invocation.error = f"{self.path}: {body[:300]!r}"
        self._reply(202)
        invocation.done.set()


class StubServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a stopped process resets its held connection


def run_once(binary, environment, event):
    """One process, with a runtime API of its own (so nothing a stopped process sent can
    reach the next run's)."""
    invocation = Invocation(event)
    server = StubServer(("127.0.0.1", 0), RuntimeApi)
    server.invocation = invocation
    threading.Thread(target=server.serve_forever, daemon=True).start()
    environment = dict(environment, AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{server.server_address[1]}")
    started = time.perf_counter()
    process = subprocess.Popen(
        [binary], env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    finished = invocation.done.wait(TIMEOUT_SECONDS)
    process.kill()
    _, stderr = process.communicate()
    invocation.stopped.set()
    server.shutdown()
    server.server_close()
    if not finished or invocation.error or invocation.responded is None:
        why = invocation.error or "no response in time"
        sys.exit(f"cold-start: {binary}: {why}\n{stderr.decode(errors='replace')[-2000:]}")
    init_ms = (invocation.first_next - started) * 1000
    first_ms = (invocation.responded - started) * 1000
    return init_ms, first_ms, invocation.status


def create_table(name):
    dynamodb = boto3.client("dynamodb")
    attributes = ["PK", "SK", "GSI1PK", "GSI1SK"]
    dynamodb.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in attributes],
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"},
                   {"AttributeName": "SK", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[{
            "IndexName": "GSI1",
            "KeySchema": [{"AttributeName": "GSI1PK", "KeyType": "HASH"},
                          {"AttributeName": "GSI1SK", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "ALL"},
        }],
    )
    dynamodb.get_waiter("table_exists").wait(TableName=name)
    return dynamodb


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    bin_dir, runs = sys.argv[1], int(sys.argv[2]) if len(sys.argv) == 3 else 10
    table = f"cold-start-{uuid.uuid4().hex[:12]}"
    dynamodb = create_table(table)
    try:
        print(f"Cold start, {runs} runs each (ms from process start; p50 / max):")
        print(f"  {'function':<12} {'init p50':>9} {'init max':>9} {'1st resp p50':>13} "
              f"{'1st resp max':>13}  answer")
        for function, event_file in FUNCTIONS:
            environment = dict(
                os.environ,
                AWS_LAMBDA_FUNCTION_NAME=function,
                AWS_LAMBDA_FUNCTION_VERSION="$LATEST",
                AWS_LAMBDA_FUNCTION_MEMORY_SIZE="256",
                AWS_LAMBDA_LOG_GROUP_NAME=f"/aws/lambda/cold-start/{function}",
                AWS_LAMBDA_LOG_STREAM_NAME="cold-start",
                STORAGE="aws",
                TABLE_NAME=table,
                BUCKET_NAME="cold-start",
                FRONTEND_URL="https://example.execute-api.us-east-1.amazonaws.com",
                RUST_LOG="info",
            )
            with open(event_file, "rb") as f:
                event = f.read()
            binary = os.path.join(bin_dir, function, "bootstrap")
            samples = [run_once(binary, environment, event) for _ in range(runs)]
            init = [s[0] for s in samples]
            first = [s[1] for s in samples]
            statuses = sorted({s[2] for s in samples})
            print(f"  {function:<12} {statistics.median(init):9.1f} {max(init):9.1f} "
                  f"{statistics.median(first):13.1f} {max(first):13.1f}  {statuses}")
    finally:
        dynamodb.delete_table(TableName=table)


if __name__ == "__main__":
    main()

# Chatwoot-compatible API on AWS Lambda. `make run` serves it locally; `make test` checks it.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

EMULATORS ?= .emulators
TOOLS ?= .tools
STACK ?= chatwoot
ARCH ?= x86_64
FUNCTIONS := platform application client reports dispatcher scheduler

FUZZ_SECONDS ?= 120

.PHONY: help run admin-token test check lint module-cycles unit test-clock-shift test-emulated test-aws lint-template sam-check browser-test conformance fuzz-api fuzz bench bench-lambda bench-throughput build deploy destroy emulators emulators-stop

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

run: ## Serve the whole API on http://127.0.0.1:$${PORT:-3000} over the embedded store in $${DATA_DIR:-.data}
	cargo run -p infra --bin local-server

admin-token: ## Create a platform app (local data, or a deployed table with STORAGE=aws) and print its token
	cargo run -q -p infra --bin admin -- create-platform-app

test: check test-clock-shift test-emulated lint-template sam-check browser-test conformance ## Everything CI runs: the fast tier, the clock shift, the suites over DynamoDB Local, template lint, sam validate + build, browser test, Schemathesis
	@echo "make test: all checks passed"

check: lint unit ## The fast tier: lint, then every suite over the embedded store
	@echo "make check: all checks passed"

lint: module-cycles ## Formatting, clippy with warnings as errors, and no module cycles
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

module-cycles: ## No module of any workspace crate imports another that imports it back
	python3 infra/module-cycles.py

unit: ## Unit tests and the HTTP-level suites over the embedded store
	cargo test --workspace

# The suites whose script runs on a fixed clock (api_tests::clock moves it with TEST_CLOCK).
CLOCK_SUITES := reports app_csat_survey_responses app_campaigns campaign_scheduler client_api

test-clock-shift: ## The fixed-clock suites with their script a year in the past, then a year in the future
	for when in past future; do \
	  TEST_CLOCK=$$when cargo test -p api-tests --test suites -- $(addsuffix ::,$(CLOCK_SUITES)); \
	done

test-emulated: ## The HTTP-level and contract suites over DynamoDB Local + moto S3 (installed and started here)
	trap 'bash infra/emulators.sh stop $(EMULATORS)' EXIT; \
	environment="$$(bash infra/emulators.sh start $(EMULATORS))"; \
	eval "$$environment"; \
	TEST_STORAGE=aws cargo test -p api-tests

test-aws: ## The same suites against the AWS endpoints in the environment (e.g. AWS_ENDPOINT_URL=http://localhost:4566 for LocalStack)
	TEST_STORAGE=aws cargo test -p api-tests

lint-template: ## cfn-lint on template.yaml (installed into $(TOOLS))
	PATH="$$(bash infra/tools.sh $(TOOLS) cfn-lint):$$PATH" cfn-lint template.yaml

sam-check: ## sam validate --lint, and sam build of every function (cargo-lambda, no Docker; debug unless SAM_BUILD_MODE= is cleared)
	export SAM_CLI_TELEMETRY=0 AWS_REGION="$${AWS_REGION:-us-east-1}" SAM_BUILD_MODE="$${SAM_BUILD_MODE-debug}" \
	  PATH="$$(bash infra/tools.sh $(TOOLS) sam cargo-lambda):$$PATH"; \
	sam validate --lint; \
	sam build --parameter-overrides Architecture=$(ARCH)

browser-test: ## The CSAT survey and help-center pages end to end in headless Chromium (UPDATE_SCREENSHOTS=1 refreshes their docs/ screenshots)
	bash infra/browser-test.sh

conformance: ## Schemathesis over the local server and docs/openapi.json: no 5xx, documented response schemas (seed 1, 10 examples per operation)
	bash infra/schemathesis.sh 10

fuzz-api: ## The same Schemathesis run with 300 examples per operation (SEED=n to vary)
	bash infra/schemathesis.sh 300

fuzz: ## cargo-fuzz targets for request parsing, $(FUZZ_SECONDS) s each (nightly toolchain and cargo-fuzz installed here)
	bash infra/fuzz.sh $(TOOLS) $(FUZZ_SECONDS)

bench: bench-lambda bench-throughput ## Store round trips and in-process latency per operation, binary sizes, cold starts, throughput
	cargo bench -p api-tests --bench platform --bench conversations --bench reports --bench operations
	cargo bench -p client-function --bench markdown

bench-throughput: ## Requests/s of the local server on a read-heavy mix next to a bare hyper hello-world (wrk from Debian's packages)
	command -v wrk >/dev/null || { $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get install -y -q wrk; }
	cargo build --profile bench -p infra --bin local-server --example hello_hyper
	python3 infra/throughput.py "$${CARGO_TARGET_DIR:-target}/release/local-server" "$${CARGO_TARGET_DIR:-target}/release/examples/hello_hyper"

bench-lambda: build ## Each function's zipped size and cold start through a runtime-API stub (DynamoDB Local)
	AWS_REGION="$${AWS_REGION:-us-east-1}" bash infra/bench-lambda.sh $(TOOLS) $(EMULATORS)

build: ## Every function's bootstrap zip, in one cargo-lambda build
	PATH="$$(bash infra/tools.sh $(TOOLS) cargo-lambda):$$PATH" \
	  cargo lambda build --release --output-format zip $(if $(filter arm64,$(ARCH)),--arm64,) $(addprefix --bin ,$(FUNCTIONS))

deploy: ## Build and deploy an isolated stack: make deploy STACK=<team> [ARCH=arm64]
	export SAM_CLI_TELEMETRY=0 PATH="$$(bash infra/tools.sh $(TOOLS) sam cargo-lambda):$$PATH"; \
	sam build --parameter-overrides Architecture=$(ARCH); \
	sam deploy --stack-name $(STACK) --resolve-s3 --capabilities CAPABILITY_IAM \
	  --no-fail-on-empty-changeset --parameter-overrides Architecture=$(ARCH)

destroy: ## Delete a stack (its table and bucket are retained; see README)
	export SAM_CLI_TELEMETRY=0 PATH="$$(bash infra/tools.sh $(TOOLS) sam):$$PATH"; \
	sam delete --stack-name $(STACK) --no-prompts

emulators: ## Start DynamoDB Local + moto and print their environment
	bash infra/emulators.sh start $(EMULATORS)

emulators-stop: ## Stop the emulators
	bash infra/emulators.sh stop $(EMULATORS)

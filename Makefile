# nssim — convenience targets. Everything goes through CMake in ./build.
#   make demo   install what is missing, build, trace the seed scenario on the model and the live kernel
#   make test   install what is missing, build, run the whole test suite
#   make bench  (root) the benchmark suite on the live kernel and the model, then its report
BUILD ?= build
JOBS  ?= $(shell nproc)
DEMO  ?= examples/02-fd-keeps-namespace-alive.nss

.PHONY: all deps build demo test bench clean

all: build

deps:
	@./scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

demo: build
	$(BUILD)/cli/nssim trace --real $(DEMO)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# Benchmarks: a Release build of their own, the suite (about 5 minutes, as
# root, in a sandbox), then the Markdown report with gnuplot charts. The report
# goes to $(BENCH_REPORT); `make bench BENCH_REPORT=docs` rewrites the
# committed docs/benchmarks.md. Extra flags for nssim-bench: BENCH_ARGS=...
BENCH_BUILD  ?= build-bench
BENCH_REPORT ?= $(BENCH_BUILD)/report
BENCH_ARGS   ?=

bench:
	@./scripts/install-deps.sh gnuplot-nox
	@cmake -S . -B $(BENCH_BUILD) -DCMAKE_BUILD_TYPE=Release -DNSSIM_BUILD_TESTS=OFF >/dev/null
	@cmake --build $(BENCH_BUILD) -j $(JOBS) --target nssim-bench
	@rc=0; $(BENCH_BUILD)/bench/nssim-bench --benchmark_out=$(BENCH_BUILD)/bench.json \
	    --benchmark_out_format=json $(BENCH_ARGS) || rc=$$?; \
	  python3 $(BENCH_BUILD)/bench/nssim-bench-report $(BENCH_BUILD)/bench.json -o $(BENCH_REPORT) \
	    --rev "$$(git describe --always --dirty 2>/dev/null)" || rc=$$((rc ? rc : $$?)); \
	  echo "report: $(BENCH_REPORT)/benchmarks.md"; exit $$rc

# The pictures under docs/images (docs/pictures.md), drawn by `nssim graph` from
# docs/images/MANIFEST, and the screenshot of the step-through page when Chromium
# is installed. A test (DocsImages.*) checks they are up to date.
.PHONY: docs-images
docs-images: build
	@cmake --build $(BUILD) --target docs_images

clean:
	rm -rf $(BUILD)

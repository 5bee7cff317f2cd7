# nssim — convenience targets. Everything goes through CMake in ./build.
#   make demo   install what is missing, build, trace the seed scenario on the model and the live kernel
#   make test   install what is missing, build, run the whole test suite
#   make playground  the model in the browser: build-web/playground/index.html (clang-19 to wasm32-wasi, npm)
#   make bench  (root) the benchmark suite on the live kernel and the model, then its report
#   make test-sanitize  the whole test suite built with ASan+UBSan (build-asan)
#   make fuzz-smoke     the libFuzzer targets (clang, build-fuzz), a short run each
#   make vm-test        install qemu, boot Debian's 6.1 under it and run an example there (--vm, vm/)
#   make kernels-slice  (root) CI's part of it: every example on 6.1 and 7.2 under qemu
#   make kernels        (root) every bundled scenario and a fuzz campaign on 6.1, 6.12, this kernel, 7.2, 7.3; writes docs/kernels.md
BUILD ?= build
JOBS  ?= $(shell nproc)
DEMO  ?= examples/02-fd-keeps-namespace-alive.nss

.PHONY: all deps build demo test test-sanitize fuzz-smoke bench clean vm-test kernels

all: build

deps:
	@./scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# The demo needs only the nssim binary (the tests, benchmarks and fuzz
# targets are left for `make test`).
demo: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) --target nssim
	$(BUILD)/cli/nssim trace --real $(DEMO)

# On a failure, each failed test's output is printed again at the end
# (scripts/failed-tests.py), where a CI log's tail shows it.
test: build playground
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) || { rc=$$?; python3 $(CURDIR)/scripts/failed-tests.py .; exit $$rc; }

# The browser playground (playground/README.md): the model, the pictures' DOT
# text and the lab grader compiled to wasm32-wasi with Debian's clang-19, and
# the page, into $(WEB_BUILD)/playground/index.html (open it from file:// or
# any static server). Graphviz for the browser comes from npm (playground/package-lock.json).
WEB_BUILD ?= build-web
# npm: Debian's, unless a node with its own npm is installed already.
WASI_PKGS := clang-19 lld-19 libc++-19-dev-wasm32 libclang-rt-19-dev-wasm32 wasi-libc $(if $(shell command -v npm),,npm)
.PHONY: playground
playground:
	@./scripts/install-deps.sh $(WASI_PKGS)
	@cd playground && npm ci --no-audit --no-fund --loglevel=error
	@cmake -S playground -B $(WEB_BUILD) -DCMAKE_TOOLCHAIN_FILE=$(CURDIR)/playground/wasi-toolchain.cmake \
	    -DNSSIM_VIZ_JS=$(CURDIR)/playground/node_modules/@viz-js/viz/lib/viz-standalone.js >/dev/null
	@cmake --build $(WEB_BUILD) -j $(JOBS)
	@echo "playground: $(WEB_BUILD)/playground/index.html"

# --vm (vm/README.md): qemu is installed only for this target (make test skips
# the boot test without it). The vm tests: the initramfs, and one boot of 6.1.
vm-test: build
	@./scripts/install-deps.sh qemu-system-x86
	cd $(BUILD) && ctest --output-on-failure -R '^(vm_boot|Vm)'

# The kernel matrix (docs/kernels.md, "The matrix"): scripts/kernels.py runs every
# bundled scenario and a fixed-seed fuzz --real campaign on each kernel (booted with
# --vm; `host` is this machine's own) and rewrites that section of docs/kernels.md.
# KERNELS="6.1 host" for fewer; FUZZ_STEPS per kernel.
KERNELS    ?= 6.1 6.12 host 7.2 7.3
FUZZ_STEPS ?= 10000
kernels: build
	@./scripts/install-deps.sh qemu-system-x86
	python3 scripts/kernels.py --nssim $(BUILD)/cli/nssim --kernels "$(KERNELS)" --fuzz-steps $(FUZZ_STEPS) --out $(BUILD)/kernels

# CI's slice of the matrix (.ci/run): the boot test (6.1's /proc/1/ns numbers, the seed
# article's) and every bundled example on Debian's 6.1 and 7.2 booted under qemu, no fuzz
# campaign; fails when a file disagrees with a kernel in a way docs/kernels-causes.json does
# not record (a recorded difference is listed, not failed: CI guards against new ones). About 10 minutes on 2 cores, downloads
# included (two kernels, ~70 MB each, cached in ~/.cache/nssim/kernels).
SLICE_KERNELS ?= 6.1 7.2
.PHONY: kernels-slice
kernels-slice: build
	@./scripts/install-deps.sh qemu-system-x86
	cd $(BUILD) && ctest --output-on-failure -R '^vm_boot$$'
	python3 scripts/kernels.py --nssim $(BUILD)/cli/nssim --kernels "$(SLICE_KERNELS)" --fuzz-steps 0 --known-ok \
	    --files $(sort $(wildcard examples/*.nss)) --out $(BUILD)/kernels-slice --doc ''

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

# The whole suite (ctest, as `make test`) built with AddressSanitizer and
# UndefinedBehaviorSanitizer (-DNSSIM_SANITIZE, -O1 -g): any report fails the
# test that hit it. Leak checking on; tests that cannot run under ASan are
# skipped in this build only, each with its reason (tests/CMakeLists.txt).
SAN_BUILD ?= build-asan
SANITIZE  ?= address,undefined
SAN_ENV   ?= ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1 \
             LSAN_OPTIONS=suppressions=$(CURDIR)/tests/sanitizers/lsan.supp:print_suppressions=0 \
             UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

test-sanitize: deps
	@cmake -S . -B $(SAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" \
	    -DNSSIM_SANITIZE=$(SANITIZE) >/dev/null
	@cmake --build $(SAN_BUILD) -j $(JOBS)
	cd $(SAN_BUILD) && $(SAN_ENV) ctest --output-on-failure -j $(JOBS) || { rc=$$?; python3 $(CURDIR)/scripts/failed-tests.py .; exit $$rc; }

# libFuzzer (tests/fuzz): the scenario parser and the strace log importer, built
# with clang (-fsanitize=fuzzer,address,undefined) in $(FUZZ_BUILD), each run for
# $(FUZZ_TIME) seconds from its seed corpus; a crash, a leak, a sanitizer report
# or a timeout fails. Crash inputs land in $(FUZZ_BUILD)/artifacts/; keep them
# under tests/fuzz/crashes/ once fixed. libstdc++'s std::expected needs clang >= 19
# (Debian 12: clang-19 from bookworm).
FUZZ_BUILD ?= build-fuzz
FUZZ_TIME  ?= 60
FUZZ_CC    ?= clang-19
FUZZ_CXX   ?= clang++-19
FUZZ_ARGS  ?=
FUZZ_ENV   ?= ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

fuzz-smoke:
	@./scripts/install-deps.sh $(patsubst clang++-%,clang-%,$(filter clang++-%,$(FUZZ_CXX))) \
	    $(patsubst clang++-%,libclang-rt-%-dev,$(filter clang++-%,$(FUZZ_CXX)))
	@CC=$(FUZZ_CC) CXX=$(FUZZ_CXX) cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" \
	    -DNSSIM_LIBFUZZER=ON -DNSSIM_SANITIZE=address,undefined -DNSSIM_BUILD_TESTS=OFF -DNSSIM_BUILD_BENCH=OFF \
	    -DNSSIM_WITH_BPF=OFF >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) --target libfuzzer-scenario libfuzzer-strace
	@mkdir -p $(FUZZ_BUILD)/corpus/scenario $(FUZZ_BUILD)/corpus/strace $(FUZZ_BUILD)/artifacts
	cd $(FUZZ_BUILD) && $(FUZZ_ENV) tests/fuzz/libfuzzer-scenario corpus/scenario \
	    $(CURDIR)/examples $(CURDIR)/labs $(CURDIR)/tests/regressions $(CURDIR)/tests/fuzz/crashes/scenario \
	    -max_total_time=$(FUZZ_TIME) -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
	    -artifact_prefix=artifacts/scenario- $(FUZZ_ARGS)
	cd $(FUZZ_BUILD) && $(FUZZ_ENV) tests/fuzz/libfuzzer-strace corpus/strace \
	    $(CURDIR)/tests/data/strace $(CURDIR)/tests/fuzz/crashes/strace \
	    -max_total_time=$(FUZZ_TIME) -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
	    -artifact_prefix=artifacts/strace- $(FUZZ_ARGS)

clean:
	rm -rf $(BUILD)

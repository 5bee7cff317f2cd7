# nssim — convenience targets. Everything goes through CMake in ./build.
#   make demo   install what is missing, build, trace the seed scenario on the model and the live kernel
#   make test   install what is missing, build, run the whole test suite
BUILD ?= build
JOBS  ?= $(shell nproc)
DEMO  ?= examples/02-fd-keeps-namespace-alive.nss

.PHONY: all deps build demo test clean

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

clean:
	rm -rf $(BUILD)

# nnmd — the two commands of the README:
#   make run    set up (packages), build, run the quickstart example
#   make test   set up, build, run every test through ctest (then the unit and input tests
#               again under AddressSanitizer + UBSan)
# Variables: BUILD (build folder), JOBS, CMAKE_FLAGS (extra -D options).
BUILD ?= build
SAN_BUILD ?= build-sanitize
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
ifeq ($(CI),true)
  WERROR := -DNNMD_WERROR=ON
endif
CMAKE_FLAGS ?=

.PHONY: all deps build run test test-fast sanitize clean

all: build

deps:
	@bash cmake/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(WERROR) $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j$(JOBS)

run: build
	cd inputs && ../$(BUILD)/nnmd run quickstart.toml

test-fast: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

sanitize: deps
	cmake -S . -B $(SAN_BUILD) -DCMAKE_BUILD_TYPE=Sanitize -DNNMD_NATIVE=OFF -DNNMD_MPI=OFF -DNNMD_CUDA=OFF $(WERROR) $(CMAKE_FLAGS)
	cmake --build $(SAN_BUILD) -j$(JOBS)
	cd $(SAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j$(JOBS) -L 'unit|integration' -LE slow

test: test-fast sanitize

clean:
	rm -rf $(BUILD) $(SAN_BUILD)

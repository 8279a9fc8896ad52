# nnmd — the two commands of the README:
#   make run    set up (packages), build, run the quickstart example
#   make test   set up, build, run every test through ctest (then the unit and input tests
#               again under AddressSanitizer + UBSan)
#   make fuzz   build the libFuzzer targets (clang) in FUZZ_BUILD and run each for FUZZ_SECONDS
#               (docs/fuzzing.md); FUZZ_TARGETS picks targets, FUZZ_JOBS runs several at once
# Variables: BUILD (build folder), JOBS, CMAKE_FLAGS (extra -D options).
BUILD ?= build
SAN_BUILD ?= build-sanitize
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
ifeq ($(CI),true)
  WERROR := -DNNMD_WERROR=ON
endif
CMAKE_FLAGS ?=
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
FUZZ_JOBS ?= 1

.PHONY: all deps build run test test-fast sanitize fuzz clean

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

fuzz:
	FUZZ_JOBS=$(FUZZ_JOBS) bash fuzz/run.sh -b $(FUZZ_BUILD) -s $(FUZZ_SECONDS) $(FUZZ_TARGETS)

clean:
	rm -rf $(BUILD) $(SAN_BUILD) $(FUZZ_BUILD)

# Thin wrapper around CMake. `make run` and `make test` are all a newcomer needs.
.PHONY: all release deps run test unit sanitize fuzz fuzz-build fuzz-merge bench format format-check clean

BUILD_DIR      := build/release
SANITIZE_DIR   := build/sanitize
FUZZ_DIR       := build/fuzz
FUZZ_SECONDS   ?= 60
FUZZ_TARGETS   ?=
CMAKE_FLAGS    ?=
JOBS           ?= $(shell nproc)
FORMAT_FILES    = $(shell git ls-files --cached --others --exclude-standard '*.cc' '*.h' 2>/dev/null)

all: release

deps:
	@scripts/install-deps

release: deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD_DIR) -j $(JOBS)

run: release
	@scripts/run-with-examples $(BUILD_DIR)/orc

test: release
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS)

# The edit-compile-test loop: everything but the end-to-end tests (the orc binary, the browser).
unit: release
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS) -LE end_to_end

sanitize: deps
	@cmake -S . -B $(SANITIZE_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DORC_SANITIZE=ON \
	  -DORC_BUILD_BENCHMARKS=OFF $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(SANITIZE_DIR) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir $(SANITIZE_DIR) --output-on-failure -j $(JOBS)

# libFuzzer targets (tests/fuzz/README.md): clang with ASan+UBSan, -O1 with assertions on.
fuzz-build: deps
	@cmake -S . -B $(FUZZ_DIR) -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" -DORC_FUZZ=ON \
	  -DORC_BUILD_TESTS=OFF -DORC_BUILD_BENCHMARKS=OFF $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(FUZZ_DIR) --target fuzzers -j $(JOBS)

# Each target for FUZZ_SECONDS over its corpus; fails on a crash, saved in build/fuzz/crashes/.
fuzz: fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run-fuzzers run $(FUZZ_DIR) $(FUZZ_TARGETS)

# Adds the inputs `make fuzz` found that reach new code to the checked-in corpus (tests/fuzz/*/).
fuzz-merge: fuzz-build
	@tests/fuzz/run-fuzzers merge $(FUZZ_DIR) $(FUZZ_TARGETS)

bench: release
	@bench/run-all $(BUILD_DIR)

format:
	@clang-format -i $(FORMAT_FILES)

format-check:
	@clang-format --dry-run -Werror $(FORMAT_FILES)

clean:
	rm -rf build

# Thin wrapper around CMake. `make run` and `make test` are all a newcomer needs.
.PHONY: all release deps run test sanitize bench format format-check clean

BUILD_DIR      := build/release
SANITIZE_DIR   := build/sanitize
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

sanitize: deps
	@cmake -S . -B $(SANITIZE_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DORC_SANITIZE=ON \
	  -DORC_BUILD_BENCHMARKS=OFF $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(SANITIZE_DIR) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir $(SANITIZE_DIR) --output-on-failure -j $(JOBS)

bench: release
	@bench/run-all $(BUILD_DIR)

format:
	@clang-format -i $(FORMAT_FILES)

format-check:
	@clang-format --dry-run -Werror $(FORMAT_FILES)

clean:
	rm -rf build

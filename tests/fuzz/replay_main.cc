// main() of the fuzz targets in the normal test build: calls LLVMFuzzerTestOneInput on every file
// of the directories (and on the files) named on the command line, as libFuzzer does when it is
// given a corpus. ctest runs it on each target's checked-in corpus, so every input that once
// crashed a target stays a regression test, in the release build and under the sanitizers.
//
// It prints each file's name before running it: when an input crashes, the last name printed is
// the one. Exit status 0 when every input ran, 2 on a usage error or an unreadable input.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

// The files `argument` names: itself, or every regular file below it when it is a directory.
bool CollectInputs(const std::filesystem::path& argument, std::vector<std::filesystem::path>& out) {
  std::error_code error;
  if (std::filesystem::is_regular_file(argument, error)) {
    out.push_back(argument);
    return true;
  }
  if (!std::filesystem::is_directory(argument, error)) return false;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(argument, error)) {
    if (entry.is_regular_file(error)) out.push_back(entry.path());
  }
  return !error;
}

// Runs one input from a buffer of exactly its size, so that AddressSanitizer (make sanitize)
// catches a read past its end.
bool Replay(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (!in.good() && !in.eof()) return false;
  auto buffer = std::make_unique<uint8_t[]>(bytes.size());
  std::copy(bytes.begin(), bytes.end(), buffer.get());
  LLVMFuzzerTestOneInput(buffer.get(), bytes.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR_OR_FILE...\n", argv[0]);
    return 2;
  }
  std::vector<std::filesystem::path> inputs;
  for (int i = 1; i < argc; ++i) {
    if (!CollectInputs(argv[i], inputs)) {
      std::fprintf(stderr, "%s: cannot read %s\n", argv[0], argv[i]);
      return 2;
    }
  }
  if (inputs.empty()) {
    std::fprintf(stderr, "%s: no inputs found\n", argv[0]);
    return 2;
  }
  std::sort(inputs.begin(), inputs.end());
  const auto start = std::chrono::steady_clock::now();
  for (const std::filesystem::path& input : inputs) {
    std::printf("%s\n", input.c_str());
    std::fflush(stdout);
    if (!Replay(input)) {
      std::fprintf(stderr, "%s: cannot read %s\n", argv[0], input.c_str());
      return 2;
    }
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  std::printf("replayed %zu inputs in %lld ms\n", inputs.size(),
              static_cast<long long>(
                  std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()));
  return 0;
}

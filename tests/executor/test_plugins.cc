#include "executor/test_plugins.h"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "plugins/config_reader.h"
#include "plugins/plugin_registry.h"

namespace orc {
namespace {

enum class Behaviour { kCrash, kHang, kSleep, kAllocate, kThrow, kEcho, kFlaky };

struct TestConfig {
  Behaviour behaviour = Behaviour::kEcho;
  std::string signal;
  int64_t seconds = 0;
  int64_t mb = 0;
  std::vector<std::string> lines;
  std::optional<std::string> env;
  int64_t failures = 0;
  std::string counter;

  std::vector<ConfigFile> Files() const { return {}; }
};

template <Behaviour kBehaviour>
TestConfig ReadTestConfig(ConfigReader& in) {
  return {.behaviour = kBehaviour,
          .signal = in.OneOf("signal", {"SEGV", "ABRT"}, "SEGV"),
          .seconds = in.Integer("seconds", 0, 3600, 60),
          .mb = in.Integer("mb", 0, 1 << 20, 1),
          .lines = in.StringList("lines").value_or(std::vector<std::string>{}),
          .env = in.OptionalString("env"),
          .failures = in.Integer("failures", 0, 100, 0),
          .counter = in.String("counter", "flaky.count")};
}

class TestTransform final : public Transform {
 public:
  explicit TestTransform(const TestConfig& config) : config_(config) {}

  Result<int64_t> Run(TaskContext& context) override {
    switch (config_.behaviour) {
      case Behaviour::kCrash:
        for (const std::string& line : config_.lines) {
          std::fprintf(stdout, "out: %s\n", line.c_str());
          std::fprintf(stderr, "%s\n", line.c_str());
        }
        std::fflush(nullptr);
        std::raise(config_.signal == "ABRT" ? SIGABRT : SIGSEGV);
        return 0;
      case Behaviour::kHang:
        std::this_thread::sleep_for(std::chrono::seconds(config_.seconds));
        return 0;
      case Behaviour::kSleep:
        context.Sleep(std::chrono::seconds(config_.seconds));
        if (context.interrupter->interrupted()) return context.interrupter->reason();
        return 0;
      case Behaviour::kAllocate: {
        // Touched through a volatile pointer, so the compiler cannot drop the allocation.
        const size_t bytes = static_cast<size_t>(config_.mb) << 20;
        volatile char* memory = static_cast<char*>(std::malloc(bytes));
        for (size_t i = 0; i < bytes; i += 4096) memory[i] = 1;
        std::this_thread::sleep_for(std::chrono::seconds(10));
        std::free(const_cast<char*>(memory));
        return 0;
      }
      case Behaviour::kThrow:
        throw std::runtime_error("a bug in a plugin");
      case Behaviour::kEcho:
        for (const std::string& line : config_.lines) context.Log("info", line);
        if (config_.env) {
          const char* value = std::getenv(config_.env->c_str());
          context.Log("info", value == nullptr ? "(unset)" : value);
        }
        context.progress->rows_loaded = 7;
        return 7;
      case Behaviour::kFlaky: {
        ORC_ASSIGN_OR_RETURN(std::filesystem::path counter,
                             context.paths->Check(config_.counter, PathAccess::kWrite));
        int calls = 0;
        std::ifstream(counter) >> calls;
        std::ofstream(counter) << calls + 1;
        if (calls < config_.failures) return UnavailableError("source busy (simulated)");
        return 1;
      }
    }
    return 0;
  }

 private:
  TestConfig config_;
};

}  // namespace

void RegisterTestPlugins(PluginRegistry& registry) {
  for (PluginSpec spec :
       {SpecOf<TestTransform>("test_crash", &ReadTestConfig<Behaviour::kCrash>),
        SpecOf<TestTransform>("test_hang", &ReadTestConfig<Behaviour::kHang>),
        SpecOf<TestTransform>("test_sleep", &ReadTestConfig<Behaviour::kSleep>),
        SpecOf<TestTransform>("test_allocate", &ReadTestConfig<Behaviour::kAllocate>),
        SpecOf<TestTransform>("test_throw", &ReadTestConfig<Behaviour::kThrow>),
        SpecOf<TestTransform>("test_echo", &ReadTestConfig<Behaviour::kEcho>),
        SpecOf<TestTransform>("test_flaky", &ReadTestConfig<Behaviour::kFlaky>)}) {
    (void)registry.Register(std::move(spec));
  }
}

}  // namespace orc

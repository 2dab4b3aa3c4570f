#include "executor/test_plugins.h"

#include <nlohmann/json.hpp>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "plugins/plugin_registry.h"

namespace orc {
namespace {

class TestTransform final : public Transform {
 public:
  explicit TestTransform(nlohmann::json config) : config_(std::move(config)) {}

  Result<int64_t> Run(TaskContext& context) override {
    const std::string type = config_["type"];
    if (type == "test_crash") {
      std::raise(config_.value("signal", "SEGV") == "ABRT" ? SIGABRT : SIGSEGV);
    } else if (type == "test_hang") {
      std::this_thread::sleep_for(std::chrono::seconds(config_.value("seconds", 60)));
    } else if (type == "test_sleep") {
      context.Sleep(std::chrono::seconds(config_.value("seconds", 60)));
      if (context.interrupter->interrupted()) return context.interrupter->reason();
    } else if (type == "test_allocate") {
      const size_t bytes = static_cast<size_t>(config_.value("mb", 1)) << 20;
      char* memory = static_cast<char*>(std::malloc(bytes));
      std::memset(memory, 1, bytes);
      std::this_thread::sleep_for(std::chrono::seconds(10));
      std::free(memory);
    } else if (type == "test_throw") {
      throw std::runtime_error("a bug in a plugin");
    } else if (type == "test_flaky") {
      const std::filesystem::path counter = context.Resolve(config_["counter"]);
      int calls = 0;
      std::ifstream(counter) >> calls;
      std::ofstream(counter) << calls + 1;
      if (calls < config_.value("failures", 0)) return UnavailableError("source busy (simulated)");
      return 1;
    } else if (type == "test_echo") {
      for (const auto& line : config_.value("lines", nlohmann::json::array())) {
        context.Log("info", line.get<std::string>());
      }
      if (config_.contains("env")) {
        const char* value = std::getenv(config_["env"].get<std::string>().c_str());
        context.Log("info", value == nullptr ? "(unset)" : value);
      }
      context.progress->rows_loaded = 7;
      return 7;
    }
    return 0;
  }

 private:
  nlohmann::json config_;
};

}  // namespace

void RegisterTestPlugins(PluginRegistry& registry) {
  for (const char* type : {"test_crash", "test_hang", "test_sleep", "test_allocate", "test_throw",
                           "test_echo", "test_flaky"}) {
    (void)registry.Register({.kind = PluginKind::kTransform,
                             .type = type,
                             .fields = {{"signal", FieldType::kString},
                                        {"seconds", FieldType::kInteger},
                                        {"mb", FieldType::kInteger},
                                        {"lines", FieldType::kStringArray},
                                        {"env", FieldType::kString},
                                        {"failures", FieldType::kInteger},
                                        {"counter", FieldType::kString}},
                             .make_transform = FactoryOf<Transform, TestTransform>()});
  }
}

}  // namespace orc

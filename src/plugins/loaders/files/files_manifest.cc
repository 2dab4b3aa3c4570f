#include "plugins/loaders/files/files_manifest.h"

#include <nlohmann/json.hpp>

#include <limits>
#include <map>
#include <set>

#include "plugins/loaders/files/durable_files.h"
#include "plugins/plugin.h"

namespace orc {
namespace {

using nlohmann::json;

constexpr int kManifestVersion = 1;

// Reads one entry's fields; the first fault is kept, naming the field ("loads[3].rows").
class EntryReader {
 public:
  EntryReader(const json& entry, std::string path) : entry_(entry), path_(std::move(path)) {}

  std::string String(const char* name) {
    const json* value = Find(name);
    if (value == nullptr) return "";
    if (!value->is_string()) return Fail(name, "must be a string"), "";
    return value->get<std::string>();
  }
  std::optional<std::string> OptionalString(const char* name) {
    const auto found = entry_.find(name);
    if (found == entry_.end() || found->is_null()) return std::nullopt;
    if (!found->is_string()) return Fail(name, "must be a string or null"), std::nullopt;
    return found->get<std::string>();
  }
  int64_t Integer(const char* name, int64_t min, int64_t max) {
    const json* value = Find(name);
    if (value == nullptr) return 0;
    if (!value->is_number_integer()) return Fail(name, "must be an integer"), 0;
    // JSON's parser keeps a non-negative integer unsigned: past int64_t's range it is too large.
    const bool too_large =
        value->is_number_unsigned() && value->get<uint64_t>() > static_cast<uint64_t>(max);
    const int64_t number = too_large ? 0 : value->get<int64_t>();
    if (too_large || number < min || number > max) {
      return Fail(name, "must be from " + std::to_string(min) + " to " + std::to_string(max)), 0;
    }
    return number;
  }
  std::vector<std::string> Strings(const char* name) {
    const json* value = Find(name);
    std::vector<std::string> strings;
    if (value == nullptr) return strings;
    if (!value->is_array()) return Fail(name, "must be an array of strings"), strings;
    for (const json& item : *value) {
      if (!item.is_string()) return Fail(name, "must be an array of strings"), strings;
      strings.push_back(item.get<std::string>());
    }
    return strings;
  }
  const std::string& error() const { return error_; }

 private:
  const json* Find(const char* name) {
    const auto found = entry_.find(name);
    if (found == entry_.end()) return Fail(name, "is missing"), nullptr;
    return &*found;
  }
  void Fail(const std::string& name, const std::string& message) {
    if (error_.empty()) error_ = path_ + "." + name + " " + message;
  }

  const json& entry_;
  std::string path_;
  std::string error_;
};

json EntryJson(const ManifestEntry& entry) {
  return {{"run_id", entry.load.run_id},
          {"task_id", entry.load.task_id},
          {"attempt", entry.load.attempt},
          {"write_mode", entry.load.write_mode},
          {"rows", entry.load.rows_loaded},
          {"files", entry.files},
          {"cursor_value", entry.load.cursor_value ? json(*entry.load.cursor_value) : json()},
          {"loaded_at", entry.loaded_at}};
}

// The entries a manifest keeps: the last kMaxManifestLoads, and before them each task's last
// entry with a cursor (LastCursor must still find it).
std::vector<ManifestEntry> Bounded(std::vector<ManifestEntry> entries) {
  if (entries.size() <= kMaxManifestLoads) return entries;
  const size_t first_kept = entries.size() - kMaxManifestLoads;
  std::set<std::string> has_cursor;
  for (size_t i = first_kept; i < entries.size(); ++i) {
    if (entries[i].load.cursor_value) has_cursor.insert(entries[i].load.task_id);
  }
  std::map<std::string, size_t> last_cursor;  // task id -> index of its last entry with a cursor
  for (size_t i = 0; i < first_kept; ++i) {
    const LoadRecord& load = entries[i].load;
    if (load.cursor_value && has_cursor.count(load.task_id) == 0) last_cursor[load.task_id] = i;
  }
  std::vector<ManifestEntry> kept;
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto cursor = last_cursor.find(entries[i].load.task_id);
    if (i >= first_kept || (cursor != last_cursor.end() && cursor->second == i)) {
      kept.push_back(std::move(entries[i]));
    }
  }
  return kept;
}

}  // namespace

Result<std::vector<ManifestEntry>> FilesManifest::Parse(const std::string& text,
                                                        const std::string& file) {
  const std::string what = "the manifest " + file;
  const std::string advice =
      "; it is the ledger of the loads in this directory: restore it, or remove it to start the "
      "ledger again (the next load then starts from the initial cursor)";
  bool too_deep = false;
  const json::parser_callback_t limit_depth = [&too_deep](int depth, json::parse_event_t, json&) {
    if (depth > kMaxManifestDepth) too_deep = true;
    return !too_deep;
  };
  const json manifest = json::parse(text, limit_depth, /*allow_exceptions=*/false);
  if (too_deep) {
    return InvalidArgumentError(what + " nests deeper than " + std::to_string(kMaxManifestDepth) +
                                " levels" + advice);
  }
  if (manifest.is_discarded()) return InvalidArgumentError(what + " is not valid JSON" + advice);
  if (!manifest.is_object() || !manifest.contains("loads") || !manifest["loads"].is_array()) {
    return InvalidArgumentError(what + " must be an object with a \"loads\" array" + advice);
  }
  const auto version = manifest.find("version");
  if (version == manifest.end() || !version->is_number_integer() ||
      version->get<int64_t>() != kManifestVersion) {
    return InvalidArgumentError(
        what + " must have \"version\": " + std::to_string(kManifestVersion) + advice);
  }
  std::vector<ManifestEntry> entries;
  const json& loads = manifest["loads"];
  for (size_t i = 0; i < loads.size(); ++i) {
    const std::string path = "loads[" + std::to_string(i) + "]";
    if (!loads[i].is_object())
      return InvalidArgumentError(what + ": " + path + " is not an object");
    EntryReader in(loads[i], path);
    ManifestEntry entry{
        .load = {.run_id = in.String("run_id"),
                 .task_id = in.String("task_id"),
                 .attempt =
                     static_cast<int>(in.Integer("attempt", 1, std::numeric_limits<int>::max())),
                 .write_mode = in.String("write_mode"),
                 .rows_loaded = in.Integer("rows", 0, std::numeric_limits<int64_t>::max()),
                 .cursor_value = in.OptionalString("cursor_value")},
        .files = in.Strings("files"),
        .loaded_at = in.String("loaded_at")};
    if (!in.error().empty()) return InvalidArgumentError(what + ": " + in.error() + advice);
    entries.push_back(std::move(entry));
  }
  return entries;
}

std::string FilesManifest::Serialize(const std::vector<ManifestEntry>& entries) {
  json loads = json::array();
  for (const ManifestEntry& entry : entries) loads.push_back(EntryJson(entry));
  // One entry per line: readable, and a diff of two manifests shows the loads added.
  std::string text = "{\"version\": " + std::to_string(kManifestVersion) + ", \"loads\": [";
  for (size_t i = 0; i < loads.size(); ++i) {
    text +=
        (i == 0 ? "\n  " : ",\n  ") + loads[i].dump(-1, ' ', false, json::error_handler_t::replace);
  }
  return text + "\n]}\n";
}

Result<FilesManifest> FilesManifest::Read(const std::filesystem::path& directory) {
  const std::filesystem::path file = directory / kManifestName;
  Result<std::string> text = ReadSmallFile(file, kMaxManifestBytes);
  if (!text.ok() && text.status().code() == StatusCode::kNotFound) {
    return FilesManifest(std::vector<ManifestEntry>{});
  }
  if (!text.ok()) {
    return Status(text.status().code(), "the manifest: " + text.status().message());
  }
  ORC_ASSIGN_OR_RETURN(std::vector<ManifestEntry> entries, Parse(*text, file.string()));
  return FilesManifest(std::move(entries));
}

void FilesManifest::PrepareRecord(std::filesystem::path write_directory,
                                  std::vector<std::string> files, std::string loaded_at,
                                  std::string temporary_name) {
  write_directory_ = std::move(write_directory);
  files_ = std::move(files);
  loaded_at_ = std::move(loaded_at);
  temporary_name_ = std::move(temporary_name);
}

Result<std::optional<std::string>> FilesManifest::LastCursor(TaskContext& context) {
  for (auto entry = entries_.rbegin(); entry != entries_.rend(); ++entry) {
    if (entry->load.task_id == context.task_id && entry->load.cursor_value) {
      return entry->load.cursor_value;
    }
  }
  return std::optional<std::string>();
}

Result<std::optional<LoadRecord>> FilesManifest::CommittedLoad(TaskContext& context) {
  for (const ManifestEntry& entry : entries_) {
    if (entry.load.run_id == context.run_id && entry.load.task_id == context.task_id) {
      return std::optional<LoadRecord>(entry.load);
    }
  }
  return std::optional<LoadRecord>();
}

Status FilesManifest::RecordLoad(const LoadRecord& load) {
  if (write_directory_.empty()) return InternalError("the manifest's directory was not prepared");
  std::vector<ManifestEntry> entries = entries_;
  entries.push_back({.load = load, .files = files_, .loaded_at = loaded_at_});
  entries = Bounded(std::move(entries));
  ORC_RETURN_IF_ERROR(
      WriteFileAtomically(write_directory_ / kManifestName, temporary_name_, Serialize(entries)));
  entries_ = std::move(entries);
  return Status::Ok();
}

}  // namespace orc

// FilesManifest: the ledger of a files destination, the file `_orc_loads.json` in its directory.
//
// One entry per committed load (run_id, task_id, attempt, write_mode, rows, the files it added,
// the cursor it reached, loaded_at). The loader writes it last, atomically, after the load's files
// are in place (append) or inside the new tree before that tree is swapped in (replace), so a load
// and its cursor commit together, and a retried attempt that finds its entry loads nothing again.
//
// The manifest is read from disk, where anyone with access to the directory may have changed it:
// it is parsed defensively (at most kMaxManifestBytes, nesting at most kMaxManifestDepth, every
// field type-checked), and a manifest that fails is a clear error naming the file, never a crash.
// It keeps the last kMaxManifestLoads entries, and for every task the entry with its last cursor
// beyond those, so it stays bounded however many loads a directory sees.
//
// Used by one thread, within one Loader::Load.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "plugins/destination.h"

namespace orc {

inline constexpr char kManifestName[] = "_orc_loads.json";
inline constexpr size_t kMaxManifestBytes = 64 << 20;
inline constexpr int kMaxManifestDepth = 8;
inline constexpr size_t kMaxManifestLoads = 1000;

struct ManifestEntry {
  LoadRecord load;
  std::vector<std::string> files;  // relative to the directory, as written by this load
  std::string loaded_at;           // RFC 3339, UTC
};

class FilesManifest final : public Destination {
 public:
  // The manifest of `directory` (absolute): an empty ledger when the directory or its manifest
  // does not exist; InvalidArgument naming the file when it cannot be parsed.
  static Result<FilesManifest> Read(const std::filesystem::path& directory);

  // The entries of manifest `text` (read from `file`, named in errors).
  static Result<std::vector<ManifestEntry>> Parse(const std::string& text, const std::string& file);
  // `entries` as manifest text.
  static std::string Serialize(const std::vector<ManifestEntry>& entries);

  const std::vector<ManifestEntry>& entries() const { return entries_; }

  // Where RecordLoad writes the manifest (the directory itself, or the tree staged for a replace),
  // the files the load wrote and its temporary file's name, set by the loader before RecordLoad.
  void PrepareRecord(std::filesystem::path write_directory, std::vector<std::string> files,
                     std::string loaded_at, std::string temporary_name);

  Result<std::optional<std::string>> LastCursor(TaskContext& context) override;
  Result<std::optional<LoadRecord>> CommittedLoad(TaskContext& context) override;
  // Adds the load's entry and writes the manifest atomically to the prepared directory.
  Status RecordLoad(const LoadRecord& load) override;

 private:
  explicit FilesManifest(std::vector<ManifestEntry> entries) : entries_(std::move(entries)) {}

  std::vector<ManifestEntry> entries_;  // oldest first
  std::filesystem::path write_directory_;
  std::vector<std::string> files_;
  std::string loaded_at_;
  std::string temporary_name_;
};

}  // namespace orc

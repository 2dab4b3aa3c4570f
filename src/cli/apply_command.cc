#include "cli/apply_command.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "api/job_json.h"
#include "api/job_yaml.h"
#include "cli/job_file_errors.h"
#include "plugins/plugin_registry.h"

namespace orc {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// One job as a file defines it.
struct FileJob {
  YamlJob yaml;  // yaml.source is the file
  json desired;  // the job's JSON form with every default filled in, as the server would store it
};

struct Change {
  std::string job_name;
  std::string action;  // create, update, unchanged, delete
  std::vector<std::string> fields;
  std::string error;
};

bool IsJobFile(const fs::path& path) {
  const std::string extension = path.extension().string();
  return extension == ".yaml" || extension == ".yml" || extension == ".json";
}

Result<std::vector<std::string>> JobFiles(const std::vector<std::string>& paths) {
  std::vector<std::string> files;
  for (const std::string& path : paths) {
    std::error_code error;
    if (fs::is_directory(path, error)) {
      std::vector<std::string> found;
      for (const auto& entry : fs::recursive_directory_iterator(path, error)) {
        if (entry.is_regular_file() && IsJobFile(entry.path())) {
          found.push_back(entry.path().string());
        }
      }
      if (error) return InvalidArgumentError(path + ": " + error.message());
      std::sort(found.begin(), found.end());
      if (found.empty()) return InvalidArgumentError(path + ": no *.yaml, *.yml or *.json files");
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::is_regular_file(path, error)) {
      files.push_back(path);
    } else {
      return NotFoundError(path + ": no such file or directory");
    }
  }
  return files;
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError(path + ": cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> ChangedFields(const json& current, const json& desired) {
  std::vector<std::string> fields;
  for (const auto& [key, value] : desired.items()) {
    if (!current.contains(key) || current[key] != value) fields.push_back(key);
  }
  return fields;
}

// Reads and checks every job in `files`; all errors are collected so that one pass shows them.
Result<std::vector<FileJob>> ReadJobs(const std::vector<std::string>& files) {
  PluginRegistry plugins;
  RegisterBuiltinPlugins(plugins);
  std::vector<FileJob> jobs;
  std::vector<std::string> errors;
  std::map<std::string, std::string> first_place;  // job_name -> file:line
  for (const std::string& file : files) {
    Result<std::string> text = ReadFile(file);
    if (!text.ok()) return text.status();
    Result<std::vector<YamlJob>> parsed = ParseYamlJobs(*text, file);
    if (!parsed.ok()) {
      errors.push_back(parsed.status().message());
      continue;
    }
    for (YamlJob& yaml : *parsed) {
      FileJob job{std::move(yaml), json()};
      Result<Job> decoded = JobFromJson(job.yaml.body, plugins);
      if (!decoded.ok()) {
        // All of this job's mistakes, not only the first.
        for (const Status& error : AllJobErrors(job.yaml.body, plugins)) {
          errors.push_back(job.yaml.Locate(error).message());
        }
        continue;
      }
      const std::string place = file + ":" + std::to_string(job.yaml.line);
      auto [existing, inserted] = first_place.emplace(decoded->job_name, place);
      if (!inserted) {
        errors.push_back(place + ": job_name '" + decoded->job_name + "' is already defined at " +
                         existing->second);
        continue;
      }
      job.desired = JobDefinition(JobToJson(*decoded, std::nullopt));
      jobs.push_back(std::move(job));
    }
  }
  if (!errors.empty()) {
    std::string message;
    for (const std::string& error : errors) message += "\n  " + error;
    return InvalidArgumentError("the job files have errors; nothing was applied:" + message);
  }
  return jobs;
}

void Print(const ClientOptions& options, const std::vector<Change>& changes, bool dry_run) {
  if (options.format() == OutputFormat::kJson) {
    json out = json::array();
    for (const Change& change : changes) {
      json item = {{"job_name", change.job_name}, {"action", change.action}, {"dry_run", dry_run}};
      if (!change.fields.empty()) item["changed_fields"] = change.fields;
      if (!change.error.empty()) item["error"] = change.error;
      out.push_back(std::move(item));
    }
    std::cout << out.dump(2) << "\n";
    return;
  }
  static const std::map<std::string, std::pair<std::string, std::string>> kWords = {
      {"create", {"created", "would create"}},
      {"update", {"updated", "would update"}},
      {"unchanged", {"unchanged", "unchanged"}},
      {"delete", {"deleted", "would delete"}}};
  for (const Change& change : changes) {
    const auto& words = kWords.at(change.action);
    std::string line = (dry_run ? words.second : words.first) + "  " + change.job_name;
    if (!change.fields.empty()) {
      std::string fields;
      for (const std::string& field : change.fields) fields += (fields.empty() ? "" : ", ") + field;
      line += "  (" + fields + ")";
    }
    if (!change.error.empty()) line = "failed to " + change.action + "  " + change.job_name;
    std::cout << line << "\n";
    if (!change.error.empty()) std::cerr << "  " << change.error << "\n";
  }
}

// Refuses a prune that deletes every job on the server or more than a few, unless --yes: an empty
// file or a wrong directory must not wipe the server. `doomed`: the jobs the prune would delete.
Status CheckPrune(const std::vector<std::string>& doomed, size_t on_server,
                  const ApplyOptions& options) {
  if (!options.prune || options.yes || options.dry_run || doomed.empty()) return Status::Ok();
  const bool every_job = doomed.size() == on_server;
  if (!every_job && doomed.size() <= kMaxPruneWithoutYes) return Status::Ok();
  std::string names;
  for (const std::string& name : doomed) names += (names.empty() ? "" : ", ") + name;
  return FailedPreconditionError(
      "--prune would delete " +
      (every_job ? "every job on the server" : std::to_string(doomed.size()) + " jobs") + " (" +
      std::to_string(doomed.size()) + ": " + names +
      "); nothing was applied. Check the files (--dry-run shows the whole change), or add --yes "
      "to delete them");
}

}  // namespace

int ApplyJobsCommand(const ClientOptions& client_options, const ApplyOptions& options) {
  Result<std::vector<std::string>> files = JobFiles(options.paths);
  if (!files.ok()) return ReportFailure(files.status());
  Result<std::vector<FileJob>> jobs = ReadJobs(*files);
  if (!jobs.ok()) return ReportFailure(jobs.status());
  std::unique_ptr<ApiClient> client = ConnectOrReport(client_options);
  if (!client) return 1;
  Result<std::vector<json>> current = ListAllJobs(*client);
  if (!current.ok()) return ReportFailure(current.status());
  std::map<std::string, const json*> on_server;
  for (const json& job : *current) on_server[job.value("job_name", "")] = &job;
  std::vector<std::string> doomed;
  for (const auto& [name, unused] : on_server) {
    const bool defined = std::any_of(jobs->begin(), jobs->end(), [&name](const FileJob& job) {
      return job.desired.value("job_name", "") == name;
    });
    if (!defined) doomed.push_back(name);
  }
  if (const Status prune = CheckPrune(doomed, on_server.size(), options); !prune.ok()) {
    return ReportFailure(prune);
  }

  std::vector<Change> changes;
  bool failed = false;
  for (const FileJob& job : *jobs) {
    const std::string name = job.desired["job_name"];
    Change change{name, "create", {}, {}};
    Result<json> sent = json();
    if (auto found = on_server.find(name); found != on_server.end()) {
      const json& server_job = *found->second;
      change.fields = ChangedFields(JobDefinition(server_job), job.desired);
      change.action = change.fields.empty() ? "unchanged" : "update";
      if (!options.dry_run && !change.fields.empty()) {
        sent = client->Put("/jobs/" + server_job["job_id"].get<std::string>(), job.desired);
      }
      on_server.erase(found);
    } else if (!options.dry_run) {
      sent = client->Post("/jobs", job.desired);
    }
    if (!sent.ok()) {
      if (sent.status().code() == StatusCode::kUnavailable ||
          sent.status().code() == StatusCode::kUnauthenticated) {
        return ReportFailure(sent.status());
      }
      change.error = job.yaml.Locate(sent.status()).message();
      failed = true;
    }
    changes.push_back(std::move(change));
  }
  if (options.prune) {
    for (const auto& [name, server_job] : on_server) {
      Change change{name, "delete", {}, {}};
      if (!options.dry_run) {
        Status deleted = client->Delete("/jobs/" + (*server_job)["job_id"].get<std::string>());
        if (!deleted.ok()) {
          change.error = deleted.message();
          failed = true;
        }
      }
      changes.push_back(std::move(change));
    }
  }
  Print(client_options, changes, options.dry_run);
  return failed ? 1 : 0;
}

}  // namespace orc

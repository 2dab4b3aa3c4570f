// The OpenAPI document against the route table: src/api/openapi.json must describe exactly the
// routes orc serve installs. (tests/web/openapi_test.mjs checks real responses against it, and
// lints it.)
#include "api/openapi_handler.h"

#include <gtest/gtest.h>

#include "api/api_context.h"
#include "api/cron_handler.h"
#include "api/dashboard_handler.h"
#include "api/health_handler.h"
#include "api/jobs_handler.h"
#include "api/metrics_handler.h"
#include "api/nodes_handler.h"
#include "api/notifications_handler.h"
#include "api/router.h"
#include "api/runs_handler.h"
#include "common/time_format.h"
#include "plugins/plugin_registry.h"
#include "state/database_url.h"
#include "state/state_store.h"

namespace orc {
namespace {

class OpenApiHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<StateStore>> store =
        OpenStateStore(*ParseDatabaseUrl("sqlite::memory:"), clock_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    context_ = std::make_unique<ApiContext>(ApiContext{*store_, plugins_, clock_});
  }

  // Every route, as orc serve installs them.
  void InstallEveryRoute() {
    InstallHealthRoutes(router_, store_.get());
    InstallJobRoutes(router_, *context_);
    InstallRunRoutes(router_, *context_);
    InstallNotificationRoutes(router_, *context_);
    InstallNodeRoutes(router_, NodesView{.store = *store_,
                                         .clock = clock_,
                                         .node_timeout = std::chrono::seconds(5),
                                         .self = "node"});
    InstallMetricsRoute(router_, *store_, nullptr);
    InstallCronRoutes(router_, clock_);
    InstallOpenApiRoute(router_);
    InstallDashboardRoute(router_);
  }

  FakeClock clock_{*ParseRfc3339("2026-11-27T08:00:00Z")};
  std::unique_ptr<StateStore> store_;
  PluginRegistry plugins_;
  std::unique_ptr<ApiContext> context_;
  Router router_;
};

TEST_F(OpenApiHandlerTest, DescribesExactlyTheRoutesOfOrcServe) {
  InstallEveryRoute();
  const Status coverage = CheckOpenApiCoverage(router_);
  EXPECT_TRUE(coverage.ok()) << coverage.message();
  const nlohmann::ordered_json document = OpenApiDocument(router_);
  EXPECT_EQ(document["openapi"], "3.1.0");
  for (const Router::Route& route : router_.routes()) {
    std::string method = route.method;
    std::transform(method.begin(), method.end(), method.begin(), ::tolower);
    const auto& operation = document["paths"][route.path][method];
    EXPECT_EQ(operation["summary"], route.summary) << route.method << " " << route.path;
    EXPECT_FALSE(operation.contains("x-undocumented")) << route.method << " " << route.path;
  }
}

TEST_F(OpenApiHandlerTest, ListsOnlyRoutedOperationsAndMarksUndocumentedRoutes) {
  InstallHealthRoutes(router_, store_.get());
  router_.Get("/things/{thing_id}", "A route openapi.json does not know",
              [](const ApiRequest&, ApiResponse&) {});
  const nlohmann::ordered_json document = OpenApiDocument(router_);
  ASSERT_EQ(document["paths"].size(), 2u) << document["paths"].dump();
  EXPECT_TRUE(document["paths"]["/health"]["get"].contains("responses"));
  const auto& undocumented = document["paths"]["/things/{thing_id}"]["get"];
  EXPECT_EQ(undocumented["x-undocumented"], true);
  EXPECT_EQ(undocumented["parameters"][0]["name"], "thing_id");
  const Status coverage = CheckOpenApiCoverage(router_);
  EXPECT_NE(coverage.message().find("describe: GET /things/{thing_id};"), std::string::npos)
      << coverage.message();
  EXPECT_NE(coverage.message().find("post /jobs"), std::string::npos) << coverage.message();
}

}  // namespace
}  // namespace orc

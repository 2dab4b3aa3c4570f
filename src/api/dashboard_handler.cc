#include "api/dashboard_handler.h"

#include "api/api_request.h"

#include "api/dashboard_asset.h"
#include "api/router.h"

namespace orc {

void InstallDashboardRoute(Router& router) {
  router.MakePublic("/");
  router.Get("/", "The web dashboard (HTML)", [](const ApiRequest&, ApiResponse& response) {
    // Everything the page needs is inline; it talks to this server only.
    response.SetHeader("Content-Security-Policy",
                       "default-src 'none'; script-src 'unsafe-inline'; "
                       "style-src 'unsafe-inline'; img-src data:; connect-src 'self'; "
                       "base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
    response.SetHeader("Cache-Control", "no-cache");
    response.SetHeader("X-Content-Type-Options", "nosniff");
    const std::string_view html = DashboardHtml();
    response.SetContent(std::string(html), "text/html; charset=utf-8");
  });
}

}  // namespace orc

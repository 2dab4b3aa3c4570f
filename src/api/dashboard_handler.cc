#include "api/dashboard_handler.h"

#include <httplib.h>

#include "api/dashboard_asset.h"
#include "api/router.h"

namespace orc {

void InstallDashboardRoute(Router& router) {
  router.MakePublic("/");
  router.Get("/", "The web dashboard (HTML)",
             [](const httplib::Request&, httplib::Response& response) {
               // Everything the page needs is inline; it talks to this server only.
               response.set_header("Content-Security-Policy",
                                   "default-src 'none'; script-src 'unsafe-inline'; "
                                   "style-src 'unsafe-inline'; img-src data:; connect-src 'self'; "
                                   "base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
               response.set_header("Cache-Control", "no-cache");
               response.set_header("X-Content-Type-Options", "nosniff");
               const std::string_view html = DashboardHtml();
               response.set_content(html.data(), html.size(), "text/html; charset=utf-8");
             });
}

}  // namespace orc

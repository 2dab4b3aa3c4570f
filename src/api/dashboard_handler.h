// GET /: the web dashboard, one HTML document with its style and script inlined, embedded in the
// binary (no CDN, no external font, nothing fetched but the API). The page itself is public; it
// asks for the API token when the server has one, and keeps it for the browser tab's session.
#pragma once

namespace orc {

class Router;

void InstallDashboardRoute(Router& router);

}  // namespace orc

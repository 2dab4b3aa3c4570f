// ApiContext: what the route handlers share. Borrowed references; the owner (orc serve, or a
// test) keeps them alive for as long as the server runs. All members are safe to use from the
// server's request threads.
#pragma once

#include "common/clock.h"

namespace orc {

class StateStore;
class PluginRegistry;

struct ApiContext {
  StateStore& store;
  const PluginRegistry& plugins;
  Clock& clock;
};

}  // namespace orc

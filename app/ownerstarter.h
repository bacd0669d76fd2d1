#pragma once

#include "core/result.h"

namespace keyward::app {

// Starts `keyward serve --background` for the home of this process's environment and waits (at
// most 30 s) until it serves or has failed. An owner that lost a race against one started at the
// same moment (code owner_running) counts as success: an owner serves either way.
Result<void> startBackgroundOwner();

} // namespace keyward::app

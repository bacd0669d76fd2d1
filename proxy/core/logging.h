#pragma once

#include <spdlog/logger.h>

#include <memory>

namespace keyward {

// The named logger of one subsystem (`core.mcp`, `core.secrets`, ...). Loggers share the sinks of
// spdlog's default logger, which only app/ configures; a library never picks a sink.
// Never format anything that could hold a secret into a log line.
std::shared_ptr<spdlog::logger> logger(const char *name);

} // namespace keyward

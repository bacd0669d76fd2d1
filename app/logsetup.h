#pragma once

#include "core/result.h"

#include <QString>

namespace keyward::app {

// Sends every log line (spdlog's named loggers and Qt's own messages) to stderr, never stdout,
// which carries data and MCP messages. The level comes from KEYWARD_LOG
// (trace, debug, info, warn, error, off; default warn).
void setUpLogging();

// Also writes every log line to `path` (mode 0600, rotated at 5 MiB, three files kept). Only the
// owner calls it: spdlog's rotation is not safe across processes.
Result<void> addLogFile(const QString &path);

} // namespace keyward::app

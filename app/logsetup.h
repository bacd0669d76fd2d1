#pragma once

namespace keyward::app {

// Sends every log line (spdlog's named loggers and Qt's own messages) to stderr, never stdout,
// which carries data and MCP messages. The level comes from KEYWARD_LOG
// (trace, debug, info, warn, error, off; default warn).
void setUpLogging();

} // namespace keyward::app

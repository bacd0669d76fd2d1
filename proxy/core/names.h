#pragma once

#include <QString>

namespace keyward {

// Service and agent names match [a-z0-9][a-z0-9_-]{0,63}.
bool isValidName(const QString &name);

// Folds a free-form label (an MCP clientInfo.name such as "Claude Desktop") into a valid name:
// lowercase, every run of other characters becomes one `-`, no leading or trailing `-`, at most
// 64 characters. A label with nothing usable folds to "unknown".
QString foldToName(const QString &label);

} // namespace keyward

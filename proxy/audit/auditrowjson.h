#pragma once

#include "audit/auditrow.h"

#include <nlohmann/json.hpp>

namespace keyward {

// One audit row as Keyward's JSON outputs print it (`keyward log --json`, the audit browser's
// JSONL export): every column under its DESIGN.md name, `time` as RFC 3339 with milliseconds,
// `query_keys` as a JSON array, NULL columns as null.
nlohmann::json auditRowJson(const AuditRow &row);

} // namespace keyward

#pragma once

#include "core/result.h"

#include <nlohmann/json.hpp>

#include <QByteArray>
#include <QStringList>

namespace keyward {

// The one place config.json text becomes JSON. Checks the outline every version shares: valid
// JSON (a syntax error reports line and column), an object, `"version": 1`, and only the known
// top-level keys (an unknown key reports its JSON pointer). The full schema (services, agents,
// ...) is checked by the config loader on top of this.
//
// Errors: code `config_syntax` for invalid JSON, `config_invalid` for a schema problem; the
// message names the place ("line 3, column 5" or "/servers") and what is wrong.
Result<nlohmann::json> parseConfigText(const QByteArray &text);

// The config format version this build reads and writes.
inline constexpr int kConfigVersion = 1;

// The top-level keys of config.json.
QStringList configTopLevelKeys();

namespace config_errors {
inline constexpr const char *kSyntax = "config_syntax";
inline constexpr const char *kInvalid = "config_invalid";
} // namespace config_errors

} // namespace keyward

// proxy/clients/configedit.h
#pragma once
#include "core/result.h"
#include <nlohmann/json.hpp>
#include <string>
#include <vector>
namespace keyward::clients {
enum class ConfigFormat { Json, Jsonc, Toml };  // Json: strict JSON (still accepts a BOM); Jsonc: comments + trailing commas
using KeyPath = std::vector<std::string>;       // keys from the root, e.g. {"mcpServers", "keyward"}; TOML: {"mcp_servers","keyward"}
// Parses the whole document into JSON (TOML through toml++; JSONC with comments and trailing commas accepted).
// Errors: code "config_syntax", message "line L, column C: what is wrong" (1-based), never quoting values.
// Duplicate keys are an error ("duplicate key \"k\" at line L"), a BOM is accepted and kept by the editors below.
Result<nlohmann::json> parseConfig(ConfigFormat format, const std::string &text);
// Returns `text` with the value at `path` set to `value` (added when missing, creating missing parent objects /
// tables), every byte outside the changed span kept (comments, order, indentation, line endings CRLF/LF, BOM,
// trailing commas style). New entries are formatted like their siblings (indent unit detected; JSON pretty printed
// at the parent's depth; TOML as a [table] / dotted or inline form matching where the parent lives). The result is
// re-parsed with parseConfig and must equal the old document with only that change (else an "edit_failed" error).
Result<std::string> setValue(ConfigFormat format, const std::string &text, const KeyPath &path, const nlohmann::json &value);
// Removes the key at `path` with its value (and the separating comma / its own line and comments attached to that
// line), keeping every other byte. Missing key: returns the text unchanged.
Result<std::string> removeValue(ConfigFormat format, const std::string &text, const KeyPath &path);
} // namespace keyward::clients

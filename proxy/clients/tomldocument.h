#pragma once

// A TOML text parsed into its value (through toml++) and the byte layout of its tables and
// key/value lines, so an edit can replace exactly the lines of one key and keep all others.

#include "clients/tomlscanner.h"
#include "core/result.h"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace keyward::clients::tomlfile {

struct ParsedToml {
    nlohmann::json value;
    Layout layout;
};

// Parses `text`: the layout with Keyward's own scanner (which bounds nesting, finds duplicate
// keys and reports line and column), then the value through toml++. Errors are config_syntax.
Result<ParsedToml> parse(const std::string &text);
// Only the value, through toml++, without the layout. Keys nested deeper than
// edittext::kMaxNesting are not refused here: use it on texts parse() accepted plus bounded edits.
Result<nlohmann::json> parseValue(const std::string &text);

// The text with the value at `path` replaced or added (see configedit.h); refuses to edit inside
// arrays of tables. `document` is parse(text).
Result<std::string> setLeaf(const std::string &text, const ParsedToml &document, const KeyPath &path,
                            const nlohmann::json &value);
// The text without the key or table at `path`; unchanged when there is none.
Result<std::string> removeLeaf(const std::string &text, const ParsedToml &document, const KeyPath &path);

} // namespace keyward::clients::tomlfile

#pragma once

// A JSON or JSONC text parsed into its value and the byte spans of every object member, so an
// edit can replace exactly the bytes of one value or member and keep all others.

#include "core/result.h"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace keyward::clients::jsonc {

inline constexpr std::size_t npos = std::string::npos;

struct MemberSpan {
    std::string key;          // decoded
    std::size_t keyBegin = 0; // the opening quote of the key
    std::size_t keyEnd = 0;   // just after the closing quote
    std::size_t valueBegin = 0;
    std::size_t valueEnd = 0;
    std::size_t comma = npos; // the comma after the value, if any
    int object = -1;          // index into ParsedJson::objects when the value is an object
};

struct ObjectSpan {
    std::size_t open = 0;  // '{'
    std::size_t close = 0; // '}'
    std::vector<MemberSpan> members;
};

struct ParsedJson {
    nlohmann::json value;
    std::vector<ObjectSpan> objects;
    int root = -1;      // index of the top-level object, -1 when the top level is not an object
    bool empty = false; // nothing but whitespace (and comments in JSONC): the value is {}
};

// Parses `text` (a BOM is skipped). `jsonc` accepts // and /* */ comments and trailing commas.
// Errors are config_syntax with line and column; duplicate keys, nesting deeper than
// edittext::kMaxNesting and invalid UTF-8 are errors too.
Result<ParsedJson> parse(const std::string &text, bool jsonc);

// The text with the value at `path` replaced or added (see configedit.h). `value` replaces an
// existing value as a whole. Checks that every parent on the path is an object. `document` is
// parse(text).
Result<std::string> setLeaf(const std::string &text, const ParsedJson &document, const std::vector<std::string> &path,
                            const nlohmann::json &value);
// The text without the member at `path`; unchanged when there is none.
std::string removeLeaf(const std::string &text, const ParsedJson &document, const std::vector<std::string> &path);

} // namespace keyward::clients::jsonc

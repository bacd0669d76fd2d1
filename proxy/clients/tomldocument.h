#pragma once

// A TOML text parsed into its value (through toml++) and the byte layout of its tables and
// key/value lines, so an edit can replace exactly the lines of one key and keep all others.

#include "core/result.h"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace keyward::clients::tomlfile {

using KeyPath = std::vector<std::string>;

// An inline table `{ k = v, ... }` and the spans of its members.
struct InlineMember {
    KeyPath key; // as written, dotted keys have several parts
    std::size_t keyBegin = 0;
    std::size_t valueBegin = 0;
    std::size_t valueEnd = 0;
    int inlineTable = -1; // index into Layout::inlineTables when the value is an inline table
};
struct InlineTable {
    std::size_t open = 0;  // '{'
    std::size_t close = 0; // '}'
    std::vector<InlineMember> members;
};

// One `key = value` line (the value may run over several lines: arrays, multi-line strings).
struct Statement {
    int section = -1;          // index into Layout::sections, -1 before the first table header
    KeyPath key;               // the dotted key as written, decoded
    KeyPath path;              // the full path: the section's path + key
    std::size_t lineBegin = 0; // start of the line holding the key
    std::size_t valueBegin = 0;
    std::size_t valueEnd = 0;
    std::size_t contentEnd = 0; // end of the last line of the statement, its comment included, before the line break
    int inlineTable = -1; // index into Layout::inlineTables when the value is an inline table
};

// A `[table]` or `[[array.of.tables]]` header and the statements under it.
struct Section {
    KeyPath path;
    bool arrayTable = false;
    std::size_t headerBegin = 0;      // start of the header line
    std::size_t headerContentEnd = 0; // end of the header line, its comment included, before the line break
    std::vector<int> statements;      // indexes into Layout::statements
};

struct Layout {
    std::vector<Section> sections;
    std::vector<Statement> statements;
    std::vector<InlineTable> inlineTables;
};

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

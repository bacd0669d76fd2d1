#pragma once

// The layout of a TOML text: its table headers, key/value lines and the byte extent of every
// value, read by Keyward's own scanner so edits can splice bytes. Values are not interpreted here
// (toml++ does that, see tomldocument.h).

#include "core/result.h"

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

// Reads the layout of `text` (a BOM is skipped). It accepts every valid TOML 1.0 document, bounds
// nesting to edittext::kMaxNesting and reports structural errors as config_syntax with line and
// column. With `findDuplicates`, a key or table defined twice is an error naming it.
Result<Layout> scanLayout(const std::string &text, bool findDuplicates);

// True for the characters of a bare key (A-Z a-z 0-9 _ -).
bool isBareKeyChar(char c);
// True if `path` begins with `prefix` (or equals it).
bool startsWith(const KeyPath &path, const KeyPath &prefix);

} // namespace keyward::clients::tomlfile

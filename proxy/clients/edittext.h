#pragma once

// Byte-level helpers shared by the JSON/JSONC and TOML editors: positions to line and column,
// the file's line ending and indentation, UTF-8 checks, and splicing replacements into a text.

#include "core/result.h"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace keyward::clients::edittext {

inline constexpr std::size_t kMaxConfigBytes = 16 * 1024 * 1024;
inline constexpr int kMaxNesting = 256;

// One replacement: bytes [begin, end) of the original text become `text`.
struct Splice {
    std::size_t begin = 0;
    std::size_t end = 0;
    std::string text;
};

// Applies non-overlapping splices (in any order) to `text`.
std::string applySplices(const std::string &text, std::vector<Splice> splices);

// Length of the UTF-8 BOM at the start of `text` (0 or 3).
std::size_t bomLength(const std::string &text);

// "\r\n" when most line breaks in `text` are CRLF, else "\n" (also for a text without any).
std::string dominantEol(const std::string &text);

// 1-based line and column (in characters, the BOM not counted) of byte `offset`.
struct LineColumn {
    int line = 1;
    int column = 1;
};
LineColumn lineColumnAt(const std::string &text, std::size_t offset);

// Length of the valid UTF-8 sequence starting at `pos` (1-4), 0 if it is not valid UTF-8
// (overlong forms, surrogates and code points past U+10FFFF are invalid).
int utf8SequenceLength(const std::string &text, std::size_t pos);
bool isValidUtf8(const std::string &text);

// Start of the line holding `pos` (after the BOM on the first line).
std::size_t lineStart(const std::string &text, std::size_t pos);
// Position of the line break ending the line holding `pos` ('\r' of a CRLF), or text.size().
std::size_t lineContentEnd(const std::string &text, std::size_t pos);
// Position just after the line break ending the line holding `pos`, or text.size().
std::size_t nextLineStart(const std::string &text, std::size_t pos);
// The spaces and tabs that begin the line holding `pos`.
std::string lineIndent(const std::string &text, std::size_t pos);
// True if only spaces and tabs stand between the start of its line and `pos`.
bool onlyIndentBefore(const std::string &text, std::size_t pos);
// The indentation unit of a file from the indents of its lines: a tab if lines are indented with
// tabs, else the smallest indent in spaces (2 when nothing is indented).
std::string indentUnit(const std::string &text);

// A key made safe to show in an error: control characters escaped, cut at 64 characters.
std::string printableKey(const std::string &key);
// "a.b.c" for messages.
std::string printablePath(const std::vector<std::string> &path);

// The keys of a JSON object in the order new entries are written: the usual MCP server fields
// first as clients document them (type, command, path, args, env, cwd, url, serverUrl, headers), then
// the others alphabetically (nlohmann::json keeps no insertion order).
std::vector<std::string> writingOrder(const nlohmann::json &object);

// config_syntax error "line L, column C: what".
Error syntaxError(const std::string &text, std::size_t offset, const std::string &what);
// config_syntax error for a duplicate key: "duplicate key \"k\" at line L".
Error duplicateKeyError(const std::string &text, std::size_t offset, const std::string &key);
Error editFailed(const std::string &message);

} // namespace keyward::clients::edittext

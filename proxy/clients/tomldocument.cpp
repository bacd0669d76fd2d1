#include "clients/tomldocument.h"

#include "clients/edittext.h"
#include "clients/tomlscanner.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <sstream>

namespace keyward::clients::tomlfile {

using nlohmann::json;
using namespace edittext;

namespace {

json toJson(const ::toml::node &node)
{
    switch (node.type()) {
    case ::toml::node_type::table: {
        json out = json::object();
        for (const auto &[key, value] : *node.as_table())
            out[std::string(key.str())] = toJson(value);
        return out;
    }
    case ::toml::node_type::array: {
        json out = json::array();
        for (const auto &element : *node.as_array())
            out.push_back(toJson(element));
        return out;
    }
    case ::toml::node_type::string:
        return node.as_string()->get();
    case ::toml::node_type::integer:
        return node.as_integer()->get();
    case ::toml::node_type::floating_point:
        return node.as_floating_point()->get();
    case ::toml::node_type::boolean:
        return node.as_boolean()->get();
    case ::toml::node_type::date: {
        std::ostringstream out;
        out << *node.as_date();
        return out.str();
    }
    case ::toml::node_type::time: {
        std::ostringstream out;
        out << *node.as_time();
        return out.str();
    }
    case ::toml::node_type::date_time: {
        std::ostringstream out;
        out << *node.as_date_time();
        return out.str();
    }
    default:
        return nullptr;
    }
}

// toml++'s description without anything it quotes longer than one character, which could be a
// piece of a value.
std::string sanitizedDescription(std::string_view description)
{
    std::string out;
    for (std::size_t i = 0; i < description.size(); ++i) {
        const char c = description[i];
        if (c == '\'' || c == '"') {
            const std::size_t close = description.find(c, i + 1);
            if (close != std::string_view::npos && close - i > 2) {
                out += "(...)";
                i = close;
                continue;
            }
        }
        out += c;
    }
    return out;
}

// ---- writing TOML ----

struct UnwritableValue {
    std::string why;
};

std::string renderString(const std::string &value)
{
    if (!isValidUtf8(value))
        throw UnwritableValue{"a string is not valid UTF-8"};
    std::string out = "\"";
    for (const char c : value) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\b': out += "\\b"; break;
        case '\t': out += "\\t"; break;
        case '\n': out += "\\n"; break;
        case '\f': out += "\\f"; break;
        case '\r': out += "\\r"; break;
        default:
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
                char escaped[8];
                std::snprintf(escaped, sizeof escaped, "\\u%04X", static_cast<unsigned char>(c));
                out += escaped;
            } else {
                out += c;
            }
        }
    }
    return out + "\"";
}

std::string renderKey(const std::string &key)
{
    if (!key.empty() && std::all_of(key.begin(), key.end(), isBareKeyChar))
        return key;
    return renderString(key);
}

std::string renderPath(const KeyPath &path)
{
    std::string out;
    for (const std::string &key : path) {
        if (!out.empty())
            out += '.';
        out += renderKey(key);
    }
    return out;
}

std::string renderValue(const json &value)
{
    switch (value.type()) {
    case json::value_t::string:
        return renderString(value.get<std::string>());
    case json::value_t::boolean:
        return value.get<bool>() ? "true" : "false";
    case json::value_t::number_integer:
        return std::to_string(value.get<std::int64_t>());
    case json::value_t::number_unsigned: {
        const auto number = value.get<std::uint64_t>();
        if (number > std::uint64_t(std::numeric_limits<std::int64_t>::max()))
            throw UnwritableValue{"an integer does not fit in TOML's 64-bit signed integers"};
        return std::to_string(number);
    }
    case json::value_t::number_float: {
        const double number = value.get<double>();
        if (std::isnan(number))
            return "nan";
        if (std::isinf(number))
            return number > 0 ? "inf" : "-inf";
        std::string out = value.dump();
        if (out.find_first_of(".eE") == std::string::npos)
            out += ".0";
        return out;
    }
    case json::value_t::array: {
        std::string out = "[";
        for (std::size_t i = 0; i < value.size(); ++i)
            out += (i ? ", " : "") + renderValue(value[i]);
        return out + "]";
    }
    case json::value_t::object: {
        if (value.empty())
            return "{}";
        std::string out = "{ ";
        bool first = true;
        for (const std::string &key : writingOrder(value)) {
            out += (first ? "" : ", ") + renderKey(key) + " = " + renderValue(value.at(key));
            first = false;
        }
        return out + " }";
    }
    default:
        throw UnwritableValue{"TOML has no null"};
    }
}

std::string renderStatement(const KeyPath &key, const json &value)
{
    return renderPath(key) + " = " + renderValue(value);
}

bool isTable(const json &value) { return value.is_object() && !value.empty(); }

// `[path]` with the value's plain keys, then a `[path.sub]` section for each non-empty object.
std::string renderSection(const KeyPath &path, const json &value, const std::string &eol)
{
    std::string out = "[" + renderPath(path) + "]";
    const std::vector<std::string> keys = writingOrder(value);
    for (const std::string &key : keys) {
        if (!isTable(value.at(key)))
            out += eol + renderStatement({key}, value.at(key));
    }
    for (const std::string &key : keys) {
        if (!isTable(value.at(key)))
            continue;
        KeyPath child = path;
        child.push_back(key);
        out += eol + eol + renderSection(child, value.at(key), eol);
    }
    return out;
}

// ---- finding things in the layout ----

std::size_t sectionContentEnd(const Layout &layout, const Section &section)
{
    std::size_t end = section.headerContentEnd;
    for (const int index : section.statements)
        end = std::max(end, layout.statements[std::size_t(index)].contentEnd);
    return end;
}

bool isBlank(const std::string &text, std::size_t begin, std::size_t end)
{
    for (std::size_t i = begin; i < end; ++i) {
        if (text[i] != ' ' && text[i] != '\t')
            return false;
    }
    return true;
}

// The end of the content of the last non-blank line before the line starting at `begin`, or npos.
std::size_t previousContentEnd(const std::string &text, std::size_t begin)
{
    const std::size_t bom = bomLength(text);
    std::size_t line = begin;
    while (line > bom) {
        const std::size_t previousBegin = std::max(lineStart(text, line - 1), bom);
        const std::size_t previousEnd = lineContentEnd(text, previousBegin);
        if (!isBlank(text, previousBegin, previousEnd))
            return previousEnd;
        line = previousBegin;
    }
    return std::string::npos;
}

// The end of the last non-blank line of the file, or npos for a blank file.
std::size_t lastContentEnd(const std::string &text)
{
    const std::size_t last = text.find_last_not_of(" \t\r\n");
    if (last == std::string::npos || last < bomLength(text))
        return std::string::npos;
    return lineContentEnd(text, last);
}

const Statement *exactStatement(const Layout &layout, const KeyPath &path)
{
    for (const Statement &statement : layout.statements) {
        if (statement.path == path)
            return &statement;
    }
    return nullptr;
}

const Statement *prefixStatement(const Layout &layout, const KeyPath &path)
{
    for (const Statement &statement : layout.statements) {
        if (statement.path.size() < path.size() && startsWith(path, statement.path))
            return &statement;
    }
    return nullptr;
}

int exactSection(const Layout &layout, const KeyPath &path)
{
    for (std::size_t i = 0; i < layout.sections.size(); ++i) {
        if (!layout.sections[i].arrayTable && layout.sections[i].path == path)
            return int(i);
    }
    return -1;
}

const Section *arrayTableOn(const Layout &layout, const KeyPath &path)
{
    for (const Section &section : layout.sections) {
        if (section.arrayTable && startsWith(path, section.path))
            return &section;
    }
    return nullptr;
}

// The last statement that defines table `path` through a dotted key in a section above it.
const Statement *dottedDefinition(const Layout &layout, const KeyPath &path)
{
    const Statement *found = nullptr;
    for (const Statement &statement : layout.statements) {
        const KeyPath &sectionPath =
            statement.section < 0 ? KeyPath{} : layout.sections[std::size_t(statement.section)].path;
        if (sectionPath.size() < path.size() && statement.path.size() > path.size() && startsWith(statement.path, path))
            found = &statement;
    }
    return found;
}

std::vector<const Section *> sectionsUnder(const Layout &layout, const KeyPath &prefix)
{
    std::vector<const Section *> found;
    for (const Section &section : layout.sections) {
        if (startsWith(section.path, prefix))
            found.push_back(&section);
    }
    return found;
}

// Adds `line` as the last statement of section `index` (-1: the top of the file).
Splice appendStatement(const std::string &text, const Layout &layout, int index, const std::string &line)
{
    const std::string eol = dominantEol(text);
    const std::vector<int> *statements = nullptr;
    std::vector<int> rootStatements;
    if (index >= 0) {
        statements = &layout.sections[std::size_t(index)].statements;
    } else {
        for (std::size_t i = 0; i < layout.statements.size(); ++i) {
            if (layout.statements[i].section < 0)
                rootStatements.push_back(int(i));
        }
        statements = &rootStatements;
    }
    if (!statements->empty()) {
        const Statement &last = layout.statements[std::size_t(statements->back())];
        return Splice{last.contentEnd, last.contentEnd, eol + lineIndent(text, last.lineBegin) + line};
    }
    if (index >= 0) {
        const std::size_t at = layout.sections[std::size_t(index)].headerContentEnd;
        return Splice{at, at, eol + line};
    }
    if (!layout.sections.empty()) {
        const std::size_t at = layout.sections.front().headerBegin;
        return Splice{at, at, line + eol + eol};
    }
    const std::size_t end = lastContentEnd(text);
    if (end == std::string::npos) {
        const std::size_t bom = bomLength(text);
        return Splice{bom, bom, line + eol};
    }
    return Splice{end, end, eol + line};
}

// Adds a new section after the last section whose path shares the longest prefix with `path`
// (after everything else when none does).
Splice appendSection(const std::string &text, const Layout &layout, const KeyPath &path, const std::string &rendered)
{
    const std::string eol = dominantEol(text);
    for (std::size_t length = path.size() - 1; length >= 1; --length) {
        const auto related = sectionsUnder(layout, KeyPath(path.begin(), path.begin() + long(length)));
        if (!related.empty()) {
            const std::size_t at = sectionContentEnd(layout, *related.back());
            return Splice{at, at, eol + eol + rendered};
        }
    }
    const std::size_t end = lastContentEnd(text);
    if (end == std::string::npos) {
        const std::size_t bom = bomLength(text);
        return Splice{bom, bom, rendered + eol};
    }
    return Splice{end, end, eol + eol + rendered};
}

// Bytes to delete for statement `statement`: its lines and their line break.
Splice removeStatement(const std::string &text, const Statement &statement)
{
    const std::size_t next = nextLineStart(text, statement.contentEnd);
    if (next > statement.contentEnd || statement.lineBegin <= bomLength(text))
        return Splice{statement.lineBegin, next, ""};
    // The last line of a file without a final line break: take the break before it instead.
    std::size_t begin = statement.lineBegin - 1;
    if (begin > 0 && text[begin - 1] == '\r')
        --begin;
    return Splice{begin, statement.contentEnd, ""};
}

// Bytes to delete for a whole section: from the end of the content before its header (so the
// blank line separating it goes too) to the end of its last statement.
Splice removeSection(const std::string &text, const Layout &layout, const Section &section)
{
    const std::size_t end = sectionContentEnd(layout, section);
    const std::size_t before = previousContentEnd(text, section.headerBegin);
    if (before != std::string::npos)
        return Splice{before, end, ""};
    return Splice{section.headerBegin, nextLineStart(text, end), ""};
}

// `value` nested under the keys `path[from..]`.
json nest(const KeyPath &path, std::size_t from, const json &value)
{
    json out = value;
    for (std::size_t i = path.size(); i-- > from;)
        out = json{{path[i], std::move(out)}};
    return out;
}

// Splices that set `relative` inside inline table `index` to `value`, keeping the other
// members as written; nullopt when dotted keys inside it make that unclear.
std::optional<std::vector<Splice>> setInInline(const Layout &layout, int index, const KeyPath &relative,
                                               const json &value)
{
    const InlineTable &table = layout.inlineTables[std::size_t(index)];
    for (const InlineMember &member : table.members) {
        if (member.key.front() != relative.front())
            continue;
        if (member.key.size() > 1)
            return std::nullopt;
        if (relative.size() == 1)
            return std::vector<Splice>{Splice{member.valueBegin, member.valueEnd, renderValue(value)}};
        if (member.inlineTable < 0)
            return std::nullopt;
        return setInInline(layout, member.inlineTable, KeyPath(relative.begin() + 1, relative.end()), value);
    }
    const std::string added = renderKey(relative.front()) + " = " + renderValue(nest(relative, 1, value));
    if (table.members.empty())
        return std::vector<Splice>{Splice{table.open + 1, table.close, " " + added + " "}};
    const std::size_t at = table.members.back().valueEnd;
    return std::vector<Splice>{Splice{at, at, ", " + added}};
}

// Splices that remove `relative` from inline table `index` (none when it is not there);
// nullopt when dotted keys inside it make that unclear.
std::optional<std::vector<Splice>> removeFromInline(const Layout &layout, int index, const KeyPath &relative)
{
    const InlineTable &table = layout.inlineTables[std::size_t(index)];
    for (std::size_t i = 0; i < table.members.size(); ++i) {
        const InlineMember &member = table.members[i];
        if (member.key.front() != relative.front())
            continue;
        if (member.key.size() > 1)
            return std::nullopt;
        if (relative.size() > 1) {
            if (member.inlineTable < 0)
                return std::vector<Splice>{};
            return removeFromInline(layout, member.inlineTable, KeyPath(relative.begin() + 1, relative.end()));
        }
        if (i > 0)
            return std::vector<Splice>{Splice{table.members[i - 1].valueEnd, member.valueEnd, ""}};
        if (table.members.size() > 1)
            return std::vector<Splice>{Splice{member.keyBegin, table.members[1].keyBegin, ""}};
        return std::vector<Splice>{Splice{table.open + 1, table.close, ""}};
    }
    return std::vector<Splice>{};
}

json valueAt(const json &document, const KeyPath &path)
{
    const json *current = &document;
    for (const std::string &key : path)
        current = &current->at(key);
    return *current;
}

Error unwritable(const KeyPath &path, const UnwritableValue &why)
{
    return editFailed("cannot set " + printablePath(path) + ": " + why.why);
}

} // namespace

Result<ParsedToml> parse(const std::string &text)
{
    auto layout = scanLayout(text, false);
    if (!layout)
        return layout.error();
    auto value = parseValue(text);
    if (!value)
        return value.error();
    return ParsedToml{std::move(value.value()), std::move(layout.value())};
}

Result<nlohmann::json> parseValue(const std::string &text)
{
    try {
        // toml++ skips one BOM itself, as the scanner does.
        const ::toml::table table = ::toml::parse(std::string_view(text));
        return toJson(table);
    } catch (const ::toml::parse_error &error) {
        // A key defined twice gets a message naming it.
        auto duplicates = scanLayout(text, true);
        if (!duplicates)
            return duplicates.error();
        return Error{QStringLiteral("config_syntax"), QStringLiteral("line %1, column %2: %3")
                                                          .arg(error.source().begin.line)
                                                          .arg(error.source().begin.column)
                                                          .arg(QString::fromStdString(sanitizedDescription(error.description())))};
    }
}

Result<std::string> setLeaf(const std::string &text, const ParsedToml &parsed, const KeyPath &path, const json &value)
{
    const Layout &layout = parsed.layout;
    const json &document = parsed.value;
    if (const Section *array = arrayTableOn(layout, path))
        return editFailed("cannot set " + printablePath(path) + ": [[" + printablePath(array->path) +
                          "]] is an array of tables, which Keyward does not edit");
    try {
        if (const Statement *statement = exactStatement(layout, path))
            return applySplices(text, {Splice{statement->valueBegin, statement->valueEnd, renderValue(value)}});
        if (const Statement *statement = prefixStatement(layout, path)) {
            if (statement->inlineTable >= 0) {
                const KeyPath relative(path.begin() + long(statement->path.size()), path.end());
                if (const auto splices = setInInline(layout, statement->inlineTable, relative, value))
                    return applySplices(text, *splices);
            }
            // Inside an inline table with dotted keys: write the whole inline table again.
            json inlineValue = valueAt(document, statement->path);
            json *current = &inlineValue;
            for (std::size_t i = statement->path.size(); i + 1 < path.size(); ++i)
                current = &(*current)[path[i]];
            (*current)[path.back()] = value;
            return applySplices(text, {Splice{statement->valueBegin, statement->valueEnd, renderValue(inlineValue)}});
        }
        const KeyPath parent(path.begin(), path.end() - 1);
        const json *existing = nullptr;
        {
            const json *current = &document;
            for (const std::string &key : path) {
                const auto it = current->find(key);
                if (it == current->end()) {
                    current = nullptr;
                    break;
                }
                current = &*it;
            }
            existing = current;
        }
        if (existing) {
            // A table (a section, dotted keys or implied by deeper headers) becomes another value.
            auto removed = removeLeaf(text, parsed, path);
            if (!removed)
                return removed.error();
            if (removed.value() == text)
                return editFailed("cannot set " + printablePath(path) + ": Keyward could not find where the table is written");
            auto reparsed = parse(removed.value());
            if (!reparsed)
                return editFailed("cannot set " + printablePath(path) + ": removing the table it replaces failed (" +
                                  reparsed.error().message.toStdString() + ")");
            return setLeaf(removed.value(), reparsed.value(), path, value);
        }
        const std::string eol = dominantEol(text);
        const Statement *dotted = parent.empty() ? nullptr : dottedDefinition(layout, parent);
        if (dotted) {
            // The parent is written as dotted keys (`server.command = ...`): add one more.
            const KeyPath &sectionPath =
                dotted->section < 0 ? KeyPath{} : layout.sections[std::size_t(dotted->section)].path;
            const KeyPath key(path.begin() + long(sectionPath.size()), path.end());
            const Splice splice{dotted->contentEnd, dotted->contentEnd,
                                eol + lineIndent(text, dotted->lineBegin) + renderStatement(key, value)};
            return applySplices(text, {splice});
        }
        if (isTable(value))
            return applySplices(text, {appendSection(text, layout, path, renderSection(path, value, eol))});
        const std::string line = renderStatement({path.back()}, value);
        if (parent.empty())
            return applySplices(text, {appendStatement(text, layout, -1, line)});
        const int section = exactSection(layout, parent);
        if (section >= 0)
            return applySplices(text, {appendStatement(text, layout, section, line)});
        const auto children = sectionsUnder(layout, parent);
        if (!children.empty()) {
            // The parent is only implied by `[parent.child]` headers: give it its own header first.
            const std::size_t at = children.front()->headerBegin;
            return applySplices(text, {Splice{at, at, "[" + renderPath(parent) + "]" + eol + line + eol + eol}});
        }
        return applySplices(text, {appendSection(text, layout, parent, "[" + renderPath(parent) + "]" + eol + line)});
    } catch (const UnwritableValue &why) {
        return unwritable(path, why);
    } catch (const json::exception &) {
        return editFailed("cannot set " + printablePath(path) + ": a key on the way is not a table");
    }
}

Result<std::string> removeLeaf(const std::string &text, const ParsedToml &parsed, const KeyPath &path)
{
    const Layout &layout = parsed.layout;
    const json &document = parsed.value;
    if (path.empty())
        return text;
    if (const Statement *statement = exactStatement(layout, path))
        return applySplices(text, {removeStatement(text, *statement)});
    try {
        if (const Statement *statement = prefixStatement(layout, path)) {
            if (statement->inlineTable >= 0) {
                const KeyPath relative(path.begin() + long(statement->path.size()), path.end());
                if (const auto splices = removeFromInline(layout, statement->inlineTable, relative))
                    return splices->empty() ? text : applySplices(text, *splices);
            }
            json inlineValue = valueAt(document, statement->path);
            json *current = &inlineValue;
            for (std::size_t i = statement->path.size(); i + 1 < path.size(); ++i) {
                const auto it = current->find(path[i]);
                if (it == current->end() || !it->is_object())
                    return text;
                current = &*it;
            }
            if (!current->contains(path.back()))
                return text;
            current->erase(path.back());
            return applySplices(text, {Splice{statement->valueBegin, statement->valueEnd, renderValue(inlineValue)}});
        }
    } catch (const UnwritableValue &why) {
        return unwritable(path, why);
    } catch (const json::exception &) {
        return text;
    }
    // A table: every section under it and every dotted key that defines part of it elsewhere.
    std::vector<Splice> splices;
    std::vector<bool> removedSection(layout.sections.size(), false);
    for (std::size_t i = 0; i < layout.sections.size(); ++i) {
        if (startsWith(layout.sections[i].path, path)) {
            removedSection[i] = true;
            splices.push_back(removeSection(text, layout, layout.sections[i]));
        }
    }
    for (const Statement &statement : layout.statements) {
        if (startsWith(statement.path, path) && (statement.section < 0 || !removedSection[std::size_t(statement.section)]))
            splices.push_back(removeStatement(text, statement));
    }
    if (splices.empty())
        return text;
    return applySplices(text, splices);
}

} // namespace keyward::clients::tomlfile

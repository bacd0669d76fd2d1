#include "clients/configedit.h"

#include "clients/edittext.h"
#include "clients/jsoncdocument.h"
#include "clients/tomldocument.h"

#include <algorithm>
#include <cmath>
#include <optional>

namespace keyward::clients {

using nlohmann::json;
using namespace edittext;

namespace {

Error tooLarge()
{
    return Error{QStringLiteral("config_too_large"),
                 QStringLiteral("the file is larger than %1 MiB; Keyward does not edit files this large")
                     .arg(kMaxConfigBytes / (1024 * 1024))};
}

bool isInteger(const json &value) { return value.is_number_integer(); } // signed or unsigned

// Equality that tells integers from floats (1 and 1.0 differ in a file) and treats NaN as equal
// to itself, so a document holding `nan` compares equal to its re-parsed self.
bool sameValue(const json &a, const json &b)
{
    if (isInteger(a) && isInteger(b))
        return a == b;
    if (a.is_number_float() && b.is_number_float()) {
        const double x = a.get<double>();
        const double y = b.get<double>();
        return x == y || (std::isnan(x) && std::isnan(y));
    }
    if (a.type() != b.type())
        return false;
    if (a.is_object()) {
        if (a.size() != b.size())
            return false;
        for (auto it = a.begin(); it != a.end(); ++it) {
            const auto other = b.find(it.key());
            if (other == b.end() || !sameValue(*it, *other))
                return false;
        }
        return true;
    }
    if (a.is_array()) {
        if (a.size() != b.size())
            return false;
        for (std::size_t i = 0; i < a.size(); ++i) {
            if (!sameValue(a[i], b[i]))
                return false;
        }
        return true;
    }
    return a == b;
}

// Whether `actual` is `original` with the value at `path[from..]` set to `value` (missing
// objects on the way created). `original` may be null where the path did not exist yet.
bool isSetResult(const json &actual, const json &original, const KeyPath &path, std::size_t from, const json &value)
{
    if (from == path.size())
        return sameValue(actual, value);
    if (!actual.is_object())
        return false;
    const bool hadObject = original.is_object();
    const auto previous = hadObject ? original.find(path[from]) : original.end();
    const bool hadKey = hadObject && previous != original.end();
    const std::size_t expectedSize = (hadObject ? original.size() : 0) + (hadKey ? 0 : 1);
    if (actual.size() != expectedSize)
        return false;
    for (auto it = actual.begin(); it != actual.end(); ++it) {
        if (it.key() == path[from]) {
            if (!isSetResult(*it, hadKey ? *previous : json(), path, from + 1, value))
                return false;
            continue;
        }
        const auto kept = original.find(it.key());
        if (!hadObject || kept == original.end() || !sameValue(*it, *kept))
            return false;
    }
    return true;
}

// Whether `value` holds nothing but the chain of objects down to `path[from..]`, so that removing
// that key leaves only empty tables (which TOML drops when no header wrote them).
bool onlyHolds(const json &value, const KeyPath &path, std::size_t from)
{
    if (from == path.size())
        return true;
    if (!value.is_object() || value.size() != 1 || !value.contains(path[from]))
        return false;
    return onlyHolds(value.at(path[from]), path, from + 1);
}

// Whether `actual` is `original` (which holds `path`) without the value at `path[from..]`. With
// `dropEmptyTables`, objects emptied by the removal may be gone too.
bool isRemoveResult(const json &actual, const json &original, const KeyPath &path, std::size_t from,
                    bool dropEmptyTables)
{
    if (!actual.is_object() || !original.is_object())
        return false;
    const std::string &key = path[from];
    const bool last = from + 1 == path.size();
    const bool dropped = !actual.contains(key);
    if (!last && dropped && !(dropEmptyTables && onlyHolds(original.at(key), path, from + 1)))
        return false;
    if (actual.size() != original.size() - (dropped ? 1 : 0))
        return false;
    for (auto it = actual.begin(); it != actual.end(); ++it) {
        if (it.key() == key) {
            if (last || !isRemoveResult(*it, original.at(key), path, from + 1, dropEmptyTables))
                return false;
            continue;
        }
        const auto kept = original.find(it.key());
        if (kept == original.end() || !sameValue(*it, *kept))
            return false;
    }
    return true;
}

// What the document holds at `path` and whether `path` can be set: every parent must be an
// object (a table) or missing.
struct PathLookup {
    const json *existing = nullptr; // the value at the full path, when present
    std::optional<Error> error;
};

PathLookup lookup(ConfigFormat format, const json &document, const KeyPath &path)
{
    PathLookup result;
    const json *current = &document;
    if (!current->is_object()) {
        result.error = editFailed("cannot set " + printablePath(path) + ": the top level of the file is not an object");
        return result;
    }
    for (std::size_t i = 0; i < path.size(); ++i) {
        const auto it = current->find(path[i]);
        if (it == current->end())
            return result;
        if (i + 1 == path.size()) {
            result.existing = &*it;
            return result;
        }
        if (!it->is_object()) {
            const bool tableArray = format == ConfigFormat::Toml && it->is_array() && !it->empty() &&
                                    it->front().is_object();
            const std::string noun = format == ConfigFormat::Toml ? "a table" : "an object";
            result.error = editFailed(
                "cannot set " + printablePath(path) + ": \"" + printableKey(path[i]) + "\" is " +
                (tableArray ? "an array of tables ([[" + printablePath(KeyPath(path.begin(), path.begin() + long(i) + 1)) +
                                  "]]), which Keyward does not edit"
                            : "not " + noun));
            return result;
        }
        current = &*it;
    }
    return result;
}

// A parsed document with the layout its format's editor needs.
struct Parsed {
    std::optional<jsonc::ParsedJson> json;
    std::optional<tomlfile::ParsedToml> toml;
    const nlohmann::json &value() const { return json ? json->value : toml->value; }
};

Result<Parsed> parseDocument(ConfigFormat format, const std::string &text)
{
    if (text.size() > kMaxConfigBytes)
        return tooLarge();
    Parsed parsed;
    if (format == ConfigFormat::Toml) {
        auto document = tomlfile::parse(text);
        if (!document)
            return document.error();
        parsed.toml = std::move(document.value());
    } else {
        auto document = jsonc::parse(text, format == ConfigFormat::Jsonc);
        if (!document)
            return document.error();
        parsed.json = std::move(document.value());
    }
    return parsed;
}

// Re-parses an edited text and checks that `matches` holds for its document.
template <typename Matches>
Result<std::string> verified(ConfigFormat format, std::string edited, const KeyPath &path, Matches matches)
{
    if (edited.size() > kMaxConfigBytes)
        return editFailed("changing " + printablePath(path) + " would make the file larger than 16 MiB");
    // The value alone: the text was read before and the edit's nesting is bounded by the path.
    auto reparsed = format == ConfigFormat::Toml ? tomlfile::parseValue(edited) : parseConfig(format, edited);
    if (!reparsed)
        return editFailed("changing " + printablePath(path) + " did not give a valid file (" +
                          reparsed.error().message.toStdString() + "); the file was left as it was");
    if (!matches(reparsed.value()))
        return editFailed("changing " + printablePath(path) +
                          " would have changed more than that key; the file was left as it was");
    return edited;
}

Result<std::string> setLeaf(const std::string &text, const Parsed &parsed, const KeyPath &path, const json &value)
{
    if (parsed.toml)
        return tomlfile::setLeaf(text, *parsed.toml, path, value);
    return jsonc::setLeaf(text, *parsed.json, path, value);
}

Result<std::string> removeLeaf(const std::string &text, const Parsed &parsed, const KeyPath &path)
{
    if (parsed.toml)
        return tomlfile::removeLeaf(text, *parsed.toml, path);
    return jsonc::removeLeaf(text, *parsed.json, path);
}

} // namespace

Result<nlohmann::json> parseConfig(ConfigFormat format, const std::string &text)
{
    auto parsed = parseDocument(format, text);
    if (!parsed)
        return parsed.error();
    return parsed.value().value();
}

Result<std::string> setValue(ConfigFormat format, const std::string &text, const KeyPath &path, const nlohmann::json &value)
{
    if (path.empty())
        return editFailed("cannot set a value without a key path");
    if (path.size() > std::size_t(kMaxNesting))
        return editFailed("cannot set a key nested deeper than " + std::to_string(kMaxNesting) + " levels");
    auto parsed = parseDocument(format, text);
    if (!parsed)
        return parsed.error();
    const json &document = parsed.value().value();
    const PathLookup found = lookup(format, document, path);
    if (found.error)
        return *found.error;
    if (found.existing && sameValue(*found.existing, value))
        return text;

    const auto isExpected = [&](const json &actual) { return isSetResult(actual, document, path, 0, value); };

    if (found.existing && found.existing->is_object() && value.is_object()) {
        // An object over an object: change key by key, so comments and formatting inside the
        // entry survive and a diff shows only what changed.
        std::string edited = text;
        for (auto it = found.existing->begin(); it != found.existing->end(); ++it) {
            if (value.contains(it.key()))
                continue;
            KeyPath child = path;
            child.push_back(it.key());
            auto removed = removeValue(format, edited, child);
            if (!removed)
                return removed.error();
            edited = std::move(removed.value());
        }
        for (const std::string &key : writingOrder(value)) {
            KeyPath child = path;
            child.push_back(key);
            auto set = setValue(format, edited, child, value.at(key));
            if (!set)
                return set.error();
            edited = std::move(set.value());
        }
        return verified(format, std::move(edited), path, isExpected);
    }

    auto edited = setLeaf(text, parsed.value(), path, value);
    if (!edited)
        return edited.error();
    return verified(format, std::move(edited.value()), path, isExpected);
}

Result<std::string> removeValue(ConfigFormat format, const std::string &text, const KeyPath &path)
{
    auto parsed = parseDocument(format, text);
    if (!parsed)
        return parsed.error();
    const json &document = parsed.value().value();
    if (path.empty() || !document.is_object())
        return text;
    const json *parent = &document;
    for (std::size_t i = 0; i + 1 < path.size(); ++i) {
        const auto it = parent->find(path[i]);
        if (it == parent->end() || !it->is_object())
            return text;
        parent = &*it;
    }
    if (!parent->contains(path.back()))
        return text;
    auto edited = removeLeaf(text, parsed.value(), path);
    if (!edited)
        return edited.error();
    // TOML tables that only existed through the removed key ([a.b.c] implies a and a.b) may go
    // with it.
    const bool dropEmptyTables = format == ConfigFormat::Toml;
    return verified(format, std::move(edited.value()), path, [&](const json &actual) {
        return isRemoveResult(actual, document, path, 0, dropEmptyTables);
    });
}

} // namespace keyward::clients

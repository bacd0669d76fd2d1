// parseConfig, setValue and removeValue over fuzzed documents. Input: the first byte picks the
// format (JSON, JSONC, TOML) and the value to write; the rest is the document. Properties: no
// crash or leak; a document that parses is edited at a few paths (a client entry, its first
// keys, a new key) and every edit either fails with edit_failed or gives a document that parses
// to exactly the old one with that change; setting the same value twice changes no byte.
#include "fuzzcheck.h"

#include "clients/configedit.h"

#include <toml++/toml.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

using keyward::clients::ConfigFormat;
using keyward::clients::KeyPath;
using nlohmann::json;

namespace {

// Equality that tells integers from floats and holds for NaN (TOML's nan), like the editor's.
bool same(const json &a, const json &b)
{
    if (a.is_number_integer() && b.is_number_integer())
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
            if (other == b.end() || !same(*it, *other))
                return false;
        }
        return true;
    }
    if (a.is_array()) {
        if (a.size() != b.size())
            return false;
        for (std::size_t i = 0; i < a.size(); ++i) {
            if (!same(a[i], b[i]))
                return false;
        }
        return true;
    }
    return a == b;
}

// The parent object of `path` in `document`, created where missing; nullptr when a parent is
// not an object.
json *parentOf(json &document, const KeyPath &path, bool create)
{
    json *current = &document;
    for (std::size_t i = 0; i + 1 < path.size(); ++i) {
        if (!current->is_object())
            return nullptr;
        const auto it = current->find(path[i]);
        if (it == current->end()) {
            if (!create)
                return nullptr;
            current = &(*current)[path[i]];
            *current = json::object();
        } else {
            current = &*it;
        }
    }
    return current->is_object() ? current : nullptr;
}

bool isEditFailure(const keyward::Error &error)
{
    return error.code == QLatin1String("edit_failed") && !error.message.isEmpty();
}

void checkSet(ConfigFormat format, const std::string &text, const json &document, const KeyPath &path,
              const json &value)
{
    const auto edited = keyward::clients::setValue(format, text, path, value);
    if (!edited.ok()) {
        FUZZ_CHECK(isEditFailure(edited.error()));
        return;
    }
    json expected = document;
    json *parent = parentOf(expected, path, true);
    FUZZ_CHECK(parent != nullptr);
    (*parent)[path.back()] = value;
    const auto reparsed = keyward::clients::parseConfig(format, edited.value());
    FUZZ_CHECK(reparsed.ok());
    FUZZ_CHECK(same(reparsed.value(), expected));

    const auto again = keyward::clients::setValue(format, edited.value(), path, value);
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(again.value() == edited.value());

    const auto removed = keyward::clients::removeValue(format, edited.value(), path);
    if (!removed.ok()) {
        FUZZ_CHECK(isEditFailure(removed.error()));
        return;
    }
    const auto afterRemove = keyward::clients::parseConfig(format, removed.value());
    FUZZ_CHECK(afterRemove.ok());
    json after = afterRemove.value();
    const json *holder = parentOf(after, path, false);
    FUZZ_CHECK(holder == nullptr || !holder->contains(path.back()));
}

void checkRemove(ConfigFormat format, const std::string &text, const json &document, const KeyPath &path)
{
    const auto removed = keyward::clients::removeValue(format, text, path);
    if (!removed.ok()) {
        FUZZ_CHECK(isEditFailure(removed.error()));
        return;
    }
    json expected = document;
    json *parent = parentOf(expected, path, false);
    if (parent == nullptr || !parent->contains(path.back())) {
        FUZZ_CHECK(removed.value() == text); // nothing to remove: not a byte changes
        return;
    }
    parent->erase(path.back());
    const auto reparsed = keyward::clients::parseConfig(format, removed.value());
    FUZZ_CHECK(reparsed.ok());
    if (same(reparsed.value(), expected))
        return;
    // TOML: a table that only existed through the removed key goes with it.
    FUZZ_CHECK(format == ConfigFormat::Toml);
    KeyPath prefix = path;
    json pruned = expected;
    while (prefix.size() > 1) {
        prefix.pop_back();
        json *holder = parentOf(pruned, prefix, false);
        FUZZ_CHECK(holder != nullptr);
        const json &table = (*holder)[prefix.back()];
        if (!table.is_object() || !table.empty())
            break;
        holder->erase(prefix.back());
        if (same(reparsed.value(), pruned))
            return;
    }
    FUZZ_CHECK(same(reparsed.value(), pruned));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const ConfigFormat format = data[0] % 3 == 0 ? ConfigFormat::Json : data[0] % 3 == 1 ? ConfigFormat::Jsonc
                                                                                         : ConfigFormat::Toml;
    const std::string text(reinterpret_cast<const char *>(data + 1), size - 1);

    const auto parsed = keyward::clients::parseConfig(format, text);
    if (format == ConfigFormat::Toml) {
        bool tomlppAccepts = true;
        try {
            (void)toml::parse(std::string_view(text));
        } catch (const toml::parse_error &) {
            tomlppAccepts = false;
        }
        FUZZ_CHECK(parsed.ok() == tomlppAccepts ||
                   (!parsed.ok() && parsed.error().message.contains(QLatin1String("deeper than"))));
    }
    if (!parsed.ok()) {
        FUZZ_CHECK(parsed.error().code == QLatin1String("config_syntax"));
        FUZZ_CHECK(!parsed.error().message.isEmpty());
        const auto edited = keyward::clients::setValue(format, text, {"a"}, 1);
        FUZZ_CHECK(!edited.ok() && edited.error().message == parsed.error().message);
        return 0;
    }
    const json &document = parsed.value();

    const json values[] = {
        json{{"command", "/usr/bin/keyward"}, {"args", {"mcp", "--agent", "x"}}, {"env", {{"A B", "v"}}}},
        json("quote \" and\nline"),
        json(-7),
        json::array({1.5, true, json::object()}),
    };
    const json &value = values[(data[0] / 3) % 4];

    std::vector<KeyPath> paths = {{format == ConfigFormat::Toml ? "mcp_servers" : "mcpServers", "keyward"}, {"k"}};
    if (document.is_object() && !document.empty()) {
        const auto first = document.begin();
        paths.push_back({first.key()});
        paths.push_back({first.key(), "keyward"});
        if (first->is_object() && !first->empty()) {
            paths.push_back({first.key(), first->begin().key()});
            if (first->begin()->is_object() && !first->begin()->empty())
                paths.push_back({first.key(), first->begin().key(), first->begin()->begin().key()});
        }
    }
    for (const KeyPath &path : paths) {
        checkSet(format, text, document, path, value);
        checkRemove(format, text, document, path);
    }
    return 0;
}

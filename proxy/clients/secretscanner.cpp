#include "clients/secretscanner.h"

#include <algorithm>
#include <cmath>
#include <optional>

namespace keyward::clients {

namespace {

using json = nlohmann::json;

bool startsWith(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

std::string upper(std::string_view text)
{
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return char(std::toupper(c)); });
    return out;
}

bool isTokenChar(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.' || c == '/' || c == '+' || c == '=' || c == '~';
}

bool isTokenLike(std::string_view text) { return !text.empty() && std::all_of(text.begin(), text.end(), isTokenChar); }

// A value that names a secret kept elsewhere rather than holding one: a client's own variable or
// input reference, a path, or one of Keyward's refs.
bool isReference(std::string_view value)
{
    return startsWith(value, "${") || startsWith(value, "{env:") || startsWith(value, "$") || startsWith(value, "@") ||
           startsWith(value, "/") || startsWith(value, "~") || startsWith(value, "./") || startsWith(value, "../") ||
           value.find("://") != std::string_view::npos;
}

// The credential part of a header-style value: "Bearer X", "token X", "Basic X" → X.
std::string_view stripScheme(std::string_view value)
{
    for (std::string_view scheme : {"Bearer ", "bearer ", "BEARER ", "Token ", "token ", "Basic ", "basic "}) {
        if (startsWith(value, scheme))
            return value.substr(scheme.size());
    }
    return value;
}

std::string_view trim(std::string_view text)
{
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
        text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
        text.remove_suffix(1);
    return text;
}

struct Detected {
    std::string secret;
    QString reason;
};

// Whether `value`, found under `name` (may be empty), is or holds a secret.
std::optional<Detected> detect(std::string_view name, std::string_view value)
{
    const std::string_view candidate = trim(stripScheme(trim(value)));
    if (candidate.empty() || !isTokenLike(candidate))
        return std::nullopt;
    for (const std::string &prefix : knownSecretPrefixes()) {
        if (!startsWith(candidate, prefix))
            continue;
        // At least 8 characters after the prefix; after a short one ("sk-", "AKIA", "npm_") at least
        // 16 with a digit among them, so a name such as "sk-mcp-server-tools" is no key.
        const std::string_view rest = candidate.substr(prefix.size());
        const bool hasDigit = std::any_of(rest.begin(), rest.end(), [](char c) { return c >= '0' && c <= '9'; });
        if (rest.size() >= 8 && (prefix.size() >= 5 || (rest.size() >= 16 && hasDigit)))
            return Detected{std::string(candidate), QStringLiteral("known prefix %1").arg(QString::fromStdString(prefix))};
    }
    if (name.empty() || !isSecretName(name) || isReference(candidate))
        return std::nullopt;
    if (int(candidate.size()) >= kMinEntropyLength && shannonEntropy(candidate) >= kMinEntropyBits) {
        return Detected{std::string(candidate),
                        QStringLiteral("high-entropy value under the name %1").arg(QString::fromStdString(std::string(name)))};
    }
    return std::nullopt;
}

KeyPath child(const KeyPath &path, std::string key)
{
    KeyPath out = path;
    out.push_back(std::move(key));
    return out;
}

void scanUrl(const std::string &server, const KeyPath &path, const std::string &url, SecretPlace place,
             std::vector<SecretFinding> &out)
{
    const size_t schemeEnd = url.find("://");
    if (schemeEnd == std::string::npos)
        return;
    const size_t authorityStart = schemeEnd + 3;
    const size_t authorityEnd = std::min(url.find_first_of("/?#", authorityStart), url.size());
    const std::string_view authority = std::string_view(url).substr(authorityStart, authorityEnd - authorityStart);
    const size_t at = authority.rfind('@');
    if (at != std::string_view::npos) {
        const std::string_view userinfo = authority.substr(0, at);
        const size_t colon = userinfo.find(':');
        const std::string_view password = colon == std::string_view::npos ? userinfo : userinfo.substr(colon + 1);
        // A password in a URL is a secret whatever it looks like; a bare user part only when it looks like a key.
        if (colon != std::string_view::npos && !password.empty()) {
            out.push_back({server, place, "userinfo", path, std::string(password), QStringLiteral("password in the URL")});
        } else if (auto found = detect("token", password)) {
            out.push_back({server, place, "userinfo", path, found->secret, found->reason});
        }
    }
    const size_t query = url.find('?', authorityEnd);
    if (query == std::string::npos)
        return;
    const size_t queryEnd = std::min(url.find('#', query), url.size());
    std::string_view rest = std::string_view(url).substr(query + 1, queryEnd - query - 1);
    while (!rest.empty()) {
        const size_t amp = rest.find('&');
        const std::string_view pair = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
        const size_t eq = pair.find('=');
        if (eq == std::string_view::npos)
            continue;
        if (auto found = detect(pair.substr(0, eq), pair.substr(eq + 1)))
            out.push_back({server, place, std::string(pair.substr(0, eq)), path, found->secret, found->reason});
    }
}

void scanObjectOfStrings(const std::string &server, const KeyPath &path, const json &object, SecretPlace place,
                         std::vector<SecretFinding> &out)
{
    if (!object.is_object())
        return;
    for (const auto &[key, value] : object.items()) {
        if (!value.is_string())
            continue;
        if (auto found = detect(key, value.get_ref<const std::string &>()))
            out.push_back({server, place, key, child(path, key), found->secret, found->reason});
    }
}

std::string flagName(std::string_view flag)
{
    while (!flag.empty() && flag.front() == '-')
        flag.remove_prefix(1);
    return std::string(flag);
}

void scanArgs(const std::string &server, const KeyPath &path, const json &args, std::vector<SecretFinding> &out)
{
    if (!args.is_array())
        return;
    std::string previous;
    for (size_t i = 0; i < args.size(); ++i) {
        if (!args[i].is_string()) {
            previous.clear();
            continue;
        }
        const std::string &arg = args[i].get_ref<const std::string &>();
        const KeyPath argPath = child(path, std::to_string(i));
        const std::string position = "args[" + std::to_string(i) + "]";
        if (arg.find("://") != std::string::npos) {
            scanUrl(server, argPath, arg, SecretPlace::Arg, out);
        } else if (startsWith(arg, "-") && arg.find('=') != std::string::npos) {
            const size_t eq = arg.find('=');
            if (auto found = detect(flagName(std::string_view(arg).substr(0, eq)), std::string_view(arg).substr(eq + 1)))
                out.push_back({server, SecretPlace::Arg, flagName(std::string_view(arg).substr(0, eq)), argPath, found->secret,
                               found->reason});
        } else if (const size_t colon = arg.find(": "); colon != std::string::npos && !startsWith(arg, "-")) {
            // mcp-remote style `--header "Authorization: Bearer X"`.
            if (auto found = detect(arg.substr(0, colon), std::string_view(arg).substr(colon + 2)))
                out.push_back({server, SecretPlace::Arg, arg.substr(0, colon), argPath, found->secret, found->reason});
        } else if (auto found = detect(startsWith(previous, "-") ? flagName(previous) : std::string(), arg)) {
            out.push_back({server, SecretPlace::Arg, startsWith(previous, "-") ? flagName(previous) : position, argPath,
                           found->secret, found->reason});
        }
        previous = arg;
    }
}

} // namespace

const std::vector<std::string> &knownSecretPrefixes()
{
    static const std::vector<std::string> prefixes = [] {
        std::vector<std::string> list = {
            "github_pat_", "ghp_", "gho_", "ghu_", "ghs_", "ghr_",            // GitHub
            "sk_live_", "rk_live_", "sk_test_", "rk_test_", "whsec_",       // Stripe
            "sk-ant-", "sk-proj-", "sk-",                                   // Anthropic, OpenAI
            "xoxb-", "xoxp-", "xoxa-", "xoxs-", "xapp-",                    // Slack
            "AKIA", "ASIA",                                                 // AWS access key ids
            "AIza",                                                         // Google API keys
            "glpat-", "gldt-",                                              // GitLab
            "npm_", "pypi-", "hf_", "SG.", "shpat_", "shpss_", "dop_v1_",   // npm, PyPI, Hugging Face, SendGrid, Shopify, DigitalOcean
            "lin_api_", "ntn_", "pplx-", "gsk_", "sntrys_", "glc_",         // Linear, Notion, Perplexity, Groq, Sentry, Grafana
        };
        std::stable_sort(list.begin(), list.end(), [](const std::string &a, const std::string &b) { return a.size() > b.size(); });
        return list;
    }();
    return prefixes;
}

double shannonEntropy(std::string_view value)
{
    if (value.empty())
        return 0.0;
    int counts[256] = {};
    for (unsigned char c : value)
        ++counts[c];
    double bits = 0.0;
    const double total = double(value.size());
    for (int count : counts) {
        if (count == 0)
            continue;
        const double p = count / total;
        bits -= p * std::log2(p);
    }
    return bits;
}

bool isSecretName(std::string_view name)
{
    const std::string upperName = upper(name);
    for (const char *word : {"TOKEN", "KEY", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL", "AUTH"}) {
        if (upperName.find(word) != std::string::npos)
            return true;
    }
    return false;
}

QString maskSecret(const std::string &secret)
{
    const QString text = QString::fromStdString(secret);
    return text.left(4) + QStringLiteral("…(%1 chars)").arg(text.size());
}

QString secretPlaceName(SecretPlace place)
{
    switch (place) {
    case SecretPlace::Env:
        return QStringLiteral("env");
    case SecretPlace::Header:
        return QStringLiteral("header");
    case SecretPlace::Arg:
        return QStringLiteral("arg");
    case SecretPlace::Url:
        return QStringLiteral("url");
    }
    return {};
}

std::vector<SecretFinding> scanServer(const std::string &server, const KeyPath &entryPath, const json &entry)
{
    std::vector<SecretFinding> out;
    if (!entry.is_object())
        return out;
    if (entry.contains("env"))
        scanObjectOfStrings(server, child(entryPath, "env"), entry["env"], SecretPlace::Env, out);
    for (const char *key : {"headers", "http_headers"}) {
        if (entry.contains(key))
            scanObjectOfStrings(server, child(entryPath, key), entry[key], SecretPlace::Header, out);
    }
    if (entry.contains("args"))
        scanArgs(server, child(entryPath, "args"), entry["args"], out);
    for (const char *key : {"url", "serverUrl"}) {
        if (entry.contains(key) && entry[key].is_string())
            scanUrl(server, child(entryPath, key), entry[key].get<std::string>(), SecretPlace::Url, out);
    }
    return out;
}

std::vector<SecretFinding> scanDocument(const ClientDescriptor &client, const json &document)
{
    std::vector<SecretFinding> out;
    const json servers = serversOf(client, document);
    for (const auto &[name, entry] : servers.items()) {
        if (name == kKeywardEntry)
            continue;
        auto found = scanServer(name, serverPath(client, name), entry);
        out.insert(out.end(), std::make_move_iterator(found.begin()), std::make_move_iterator(found.end()));
    }
    return out;
}

} // namespace keyward::clients

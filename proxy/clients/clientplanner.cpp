#include "clients/clientplanner.h"

#include "clients/unifieddiff.h"
#include "core/names.h"

#include <QRegularExpression>

#include <algorithm>
#include <set>

namespace keyward::clients {

namespace {

using json = nlohmann::json;

// Stands for an agent token in a backup; it is never put back (undo of such a window fails the
// hash check and falls back to removing Keyward's entry).
constexpr const char *kAgentTokenPlaceholder = "@@keyward-agent-token@@";

std::string toStd(const QByteArray &bytes) { return bytes.toStdString(); }

std::string afterHash(const json &value) { return sha256Hex(QByteArray::fromStdString(value.dump())).toStdString(); }

// The value at `path` (array elements by decimal index), or nullptr when missing.
const json *valueAt(const json &document, const KeyPath &path)
{
    const json *node = &document;
    for (const std::string &key : path) {
        if (node->is_object()) {
            const auto found = node->find(key);
            if (found == node->end())
                return nullptr;
            node = &*found;
        } else if (node->is_array()) {
            size_t index = 0;
            try {
                index = std::stoul(key);
            } catch (const std::exception &) {
                return nullptr;
            }
            if (index >= node->size())
                return nullptr;
            node = &(*node)[index];
        } else {
            return nullptr;
        }
    }
    return node;
}

QString pathText(const KeyPath &path)
{
    QStringList parts;
    for (const std::string &key : path)
        parts.append(QString::fromStdString(key));
    return parts.join(u'.');
}

// The document text a plan starts from: the file, or an empty document for a file to create.
std::string startingText(const ClientDescriptor &client, const ClientFileState &file)
{
    if (file.exists)
        return toStd(file.bytes);
    return client.format == ConfigFormat::Toml ? std::string() : std::string("{}\n");
}

Result<json> parseFile(const ClientDescriptor &client, const ClientFileState &file, const std::string &text)
{
    auto parsed = parseConfig(client.format, text);
    if (!parsed) {
        return Error{parsed.error().code,
                     QStringLiteral("%1 is not valid %2: %3; fix it (or move it away) and run the command again")
                         .arg(file.target, client.format == ConfigFormat::Toml ? QStringLiteral("TOML")
                                                                               : client.format == ConfigFormat::Jsonc
                                                                                     ? QStringLiteral("JSONC")
                                                                                     : QStringLiteral("JSON"),
                              parsed.error().message)};
    }
    const json *servers = valueAt(*parsed, client.serversPath);
    if (servers && !servers->is_object()) {
        return Error{QStringLiteral("config_shape"),
                     QStringLiteral("%1: \"%2\" is not an object of servers; fix it and run the command again")
                         .arg(file.target, pathText(client.serversPath))};
    }
    return parsed;
}

Error editError(const ClientFileState &file, const Error &error)
{
    return Error{error.code, QStringLiteral("cannot edit %1: %2").arg(file.target, error.message)};
}

// Keyward's own agent tokens (kwa_ + 43 base64url characters), wherever they are written.
const QRegularExpression &agentTokenPattern()
{
    static const QRegularExpression pattern(QStringLiteral("kwa_[A-Za-z0-9_-]{43}"));
    return pattern;
}

QByteArray replaceAgentTokens(const QByteArray &text, const QByteArray &replacement)
{
    QString decoded = QString::fromUtf8(text);
    if (!decoded.contains(QLatin1String("kwa_")))
        return text;
    decoded.replace(agentTokenPattern(), QString::fromUtf8(replacement));
    return decoded.toUtf8();
}

QByteArray maskAll(QByteArray text, const std::vector<std::string> &secrets)
{
    text = replaceAgentTokens(text, "kwa_…(47 chars)");
    std::vector<std::string> ordered = secrets;
    std::stable_sort(ordered.begin(), ordered.end(), [](const auto &a, const auto &b) { return a.size() > b.size(); });
    for (const std::string &secret : ordered) {
        if (secret.empty())
            continue;
        const QByteArray mask = maskSecret(secret).toUtf8();
        text.replace(QByteArray::fromStdString(secret), mask);
        const std::string dumped = json(secret).dump();
        text.replace(QByteArray::fromStdString(dumped.substr(1, dumped.size() - 2)), mask);
    }
    return text;
}

std::vector<std::string> secretsOf(const std::vector<SecretFinding> &findings)
{
    std::vector<std::string> out;
    for (const SecretFinding &finding : findings)
        out.push_back(finding.secret);
    return out;
}

// Fills the plan's diff over masked texts (every secret detected before or after the change).
void finishPlan(ClientPlan &plan, std::vector<std::string> extraSecrets = {})
{
    std::vector<std::string> secrets = secretsOf(plan.findings);
    secrets.insert(secrets.end(), extraSecrets.begin(), extraSecrets.end());
    if (auto after = parseConfig(plan.client->format, toStd(plan.newBytes)); after && !plan.removeFile) {
        for (const SecretFinding &finding : scanDocument(*plan.client, *after))
            secrets.push_back(finding.secret);
    }
    const QString label = plan.file.target.startsWith(u'/') ? plan.file.target.mid(1) : plan.file.target;
    plan.diff = unifiedDiff(maskAll(plan.file.bytes, secrets), plan.removeFile ? QByteArray() : maskAll(plan.newBytes, secrets),
                            label);
    if (plan.file.isSymlink)
        plan.notes.prepend(QStringLiteral("%1 is a symlink: editing the file it points at, %2").arg(plan.file.path, plan.file.target));
}

Result<ClientPlan> startPlan(const ClientDescriptor &client, const ClientLocation &location, const ClientFileState &file,
                             const QString &action, json &document, std::string &text)
{
    if (!location.installed) {
        return Error{QStringLiteral("not_installed"),
                     QStringLiteral("%1 is not installed here (%2 does not exist); Keyward creates no config for it")
                         .arg(client.name, location.installDir)};
    }
    text = startingText(client, file);
    auto parsed = parseFile(client, file, text);
    if (!parsed)
        return parsed.error();
    document = std::move(parsed).value();
    ClientPlan plan;
    plan.client = &client;
    plan.location = location;
    plan.file = file;
    plan.action = action;
    if (file.exists)
        plan.findings = scanDocument(client, document);
    return plan;
}

// Fills placeholders of `value`'s strings through `lookup`; the secrets put back are added to `filled`.
// `present`: the secrets still in the client file (ref -> value), for placeholders of secrets that
// were never moved to the store.
Result<json> fillPlaceholders(const json &value, const std::vector<BackupSecret> &secrets, const SecretLookup &lookup,
                              std::vector<std::string> &filled, const std::map<QString, std::string> &present = {})
{
    if (value.is_object() || value.is_array()) {
        json out = value;
        for (auto &item : out.items()) {
            auto child = fillPlaceholders(item.value(), secrets, lookup, filled, present);
            if (!child)
                return child.error();
            item.value() = std::move(child).value();
        }
        return out;
    }
    if (!value.is_string())
        return value;
    std::string text = value.get<std::string>();
    for (const BackupSecret &secret : secrets) {
        if (text.find(secret.placeholder) == std::string::npos)
            continue;
        if (!secret.stored) {
            const auto here = present.find(secret.ref);
            if (here == present.end()) {
                return Error{QStringLiteral("undo_incomplete"),
                             QStringLiteral("the backup does not hold the secret of ref '%1'").arg(secret.ref)};
            }
            filled.push_back(here->second);
            size_t at = 0;
            while ((at = text.find(secret.placeholder, at)) != std::string::npos) {
                text.replace(at, secret.placeholder.size(), here->second);
                at += here->second.size();
            }
            continue;
        }
        auto found = lookup(secret.ref);
        if (!found)
            return found.error();
        filled.push_back(*found);
        size_t at = 0;
        while ((at = text.find(secret.placeholder, at)) != std::string::npos) {
            text.replace(at, secret.placeholder.size(), *found);
            at += found->size();
        }
    }
    return json(text);
}

} // namespace

QStringList keywardMcpArgs(const ClientDescriptor &client)
{
    return {QStringLiteral("mcp"), QStringLiteral("--agent"), client.id};
}

QString refFor(const QString &client, const std::string &server, const std::string &var)
{
    return foldToName(QStringLiteral("%1-%2-%3").arg(client, QString::fromStdString(server), QString::fromStdString(var)));
}

Result<ClientPlan> planConfigure(const ClientDescriptor &client, const ClientLocation &location,
                                 const ClientFileState &file, const QString &keywardBinary)
{
    json document;
    std::string text;
    auto started = startPlan(client, location, file, QStringLiteral("configure"), document, text);
    if (!started)
        return started.error();
    ClientPlan plan = std::move(started).value();
    const json desired = stdioEntry(client, keywardBinary, keywardMcpArgs(client));
    const KeyPath path = serverPath(client, kKeywardEntry);
    const json *existing = valueAt(document, path);
    if (existing && *existing == desired) {
        plan.newBytes = file.bytes;
        plan.notes.append(QStringLiteral("%1 is already configured").arg(client.name));
        finishPlan(plan);
        return plan;
    }
    auto edited = setValue(client.format, text, path, desired);
    if (!edited)
        return editError(file, edited.error());
    plan.newBytes = QByteArray::fromStdString(*edited);
    BackupChange change;
    change.path = path;
    change.kind = existing ? BackupChange::Kind::Changed : BackupChange::Kind::Added;
    if (existing)
        change.before = *existing;
    change.afterSha256 = afterHash(desired);
    plan.changes.push_back(change);
    finishPlan(plan);
    return plan;
}

namespace {

// Appends `element` (a one-line JSON text) to the non-empty JSON/JSONC array at top-level `key`,
// touching no byte of the elements already there: the array's span is found by asking the editor
// to empty it, the new element goes after the last one on its own line with the same indentation.
// The result is checked by parsing; nullopt when the layout is not one this understands.
std::optional<std::string> appendToArray(ConfigFormat format, const std::string &text, const std::string &key,
                                         const std::string &element, const json &expected)
{
    auto emptied = setValue(format, text, {key}, json::array());
    if (!emptied)
        return std::nullopt;
    size_t prefix = 0;
    while (prefix < text.size() && prefix < emptied->size() && text[prefix] == (*emptied)[prefix])
        ++prefix;
    size_t suffix = 0;
    while (suffix < text.size() - prefix && suffix < emptied->size() - prefix &&
           text[text.size() - 1 - suffix] == (*emptied)[emptied->size() - 1 - suffix])
        ++suffix;
    // The original array ends just before the common suffix, with its `]` (maybe inside it).
    size_t close = text.rfind(']', text.size() - suffix);
    if (close == std::string::npos || close < prefix)
        return std::nullopt;
    size_t end = close;
    while (end > prefix && std::isspace(static_cast<unsigned char>(text[end - 1])))
        --end;
    if (end <= prefix)
        return std::nullopt;
    const bool trailingComma = text[end - 1] == ',';
    const size_t lineStart = text.rfind('\n', end - 1) == std::string::npos ? 0 : text.rfind('\n', end - 1) + 1;
    size_t indentEnd = lineStart;
    while (indentEnd < text.size() && (text[indentEnd] == ' ' || text[indentEnd] == '\t'))
        ++indentEnd;
    const std::string indent = text.substr(lineStart, indentEnd - lineStart);
    const std::string newline = text.find("\r\n") != std::string::npos ? "\r\n" : "\n";
    const std::string insert = (trailingComma ? "" : ",") + newline + indent + element + (trailingComma ? "," : "");
    std::string out = text;
    out.insert(end, insert);
    auto parsed = parseConfig(format, out);
    if (!parsed || *parsed != expected)
        return std::nullopt;
    return out;
}

} // namespace

nlohmann::json httpEntry(const ClientDescriptor &client, const QString &url, const QByteArray &token)
{
    json entry = json::object();
    if (!client.httpType.isEmpty())
        entry["type"] = client.httpType.toStdString();
    entry[client.httpUrlKey.toStdString()] = url.toStdString();
    switch (client.httpToken) {
    case HttpTokenStyle::PlainHeader:
        entry["headers"] = {{"Authorization", "Bearer " + token.toStdString()}};
        break;
    case HttpTokenStyle::VsCodeInput:
        entry["headers"] = {{"Authorization", std::string("Bearer ${input:") + kVsCodeTokenInput + "}"}};
        break;
    case HttpTokenStyle::CodexBearerEnv:
        entry["bearer_token_env_var"] = kCodexTokenVariable;
        break;
    case HttpTokenStyle::None:
        break;
    }
    return entry;
}

QByteArray agentTokenInEntry(const ClientDescriptor &client, const json &document)
{
    const json servers = serversOf(client, document);
    const auto entry = servers.find(kKeywardEntry);
    if (entry == servers.end() || !entry->is_object() || !entry->contains("headers") || !(*entry)["headers"].is_object())
        return {};
    const json &headers = (*entry)["headers"];
    const auto authorization = headers.find("Authorization");
    if (authorization == headers.end() || !authorization->is_string())
        return {};
    const std::string value = authorization->get<std::string>();
    if (value.rfind("Bearer kwa_", 0) != 0)
        return {};
    return QByteArray::fromStdString(value.substr(7));
}

Result<ClientPlan> planConfigureHttp(const ClientDescriptor &client, const ClientLocation &location,
                                     const ClientFileState &file, const QString &url, const QByteArray &token)
{
    if (client.httpToken == HttpTokenStyle::None) {
        return Error{QStringLiteral("not_supported"),
                     QStringLiteral("%1 takes no HTTP server with headers in its config; configure it without --http "
                                    "(it starts `keyward mcp` over stdio)")
                         .arg(client.name)};
    }
    json document;
    std::string text;
    auto started = startPlan(client, location, file, QStringLiteral("configure"), document, text);
    if (!started)
        return started.error();
    ClientPlan plan = std::move(started).value();
    if (client.httpToken == HttpTokenStyle::VsCodeInput) {
        const json *inputs = valueAt(document, {"inputs"});
        if (inputs && !inputs->is_array()) {
            return Error{QStringLiteral("config_shape"),
                         QStringLiteral("%1: \"inputs\" is not a list; fix it and run the command again").arg(file.target)};
        }
        const bool present = inputs && std::any_of(inputs->begin(), inputs->end(), [](const json &input) {
                                 return input.is_object() && input.value("id", std::string()) == kVsCodeTokenInput;
                             });
        if (!present) {
            json updated = inputs ? *inputs : json::array();
            const json input = {{"type", "promptString"},
                                {"id", kVsCodeTokenInput},
                                {"description", "Keyward agent token"},
                                {"password", true}};
            updated.push_back(input);
            json expected = document;
            expected["inputs"] = updated;
            std::optional<std::string> appended;
            if (inputs && !inputs->empty()) {
                appended = appendToArray(client.format, text, "inputs",
                                         std::string("{\"type\": \"promptString\", \"id\": \"") + kVsCodeTokenInput +
                                             "\", \"description\": \"Keyward agent token\", \"password\": true}",
                                         expected);
            }
            if (appended) {
                text = *appended;
            } else {
                auto edited = setValue(client.format, text, {"inputs"}, updated);
                if (!edited)
                    return editError(file, edited.error());
                text = *edited;
            }
            BackupChange change;
            change.path = {"inputs"};
            change.kind = inputs ? BackupChange::Kind::Changed : BackupChange::Kind::Added;
            if (inputs)
                change.before = *inputs;
            change.afterSha256 = afterHash(updated);
            plan.changes.push_back(change);
        }
    }
    const json desired = httpEntry(client, url, token);
    const KeyPath path = serverPath(client, kKeywardEntry);
    const json *existing = valueAt(document, path);
    if (!existing || *existing != desired) {
        auto edited = setValue(client.format, text, path, desired);
        if (!edited)
            return editError(file, edited.error());
        text = *edited;
        BackupChange change;
        change.path = path;
        change.kind = existing ? BackupChange::Kind::Changed : BackupChange::Kind::Added;
        if (existing)
            change.before = *existing;
        change.afterSha256 = afterHash(desired);
        plan.changes.push_back(change);
    }
    plan.newBytes = plan.changes.empty() ? file.bytes : QByteArray::fromStdString(text);
    if (plan.changes.empty())
        plan.notes.append(QStringLiteral("%1 is already configured").arg(client.name));
    else if (client.httpToken == HttpTokenStyle::PlainHeader)
        plan.notes.append(QStringLiteral("%1 has no way to keep a header secret outside its config: the agent token is "
                                         "written into %2 in plain text (it only opens Keyward's endpoint; `keyward agent "
                                         "remove %3` revokes it)")
                              .arg(client.name, file.target, client.id));
    finishPlan(plan);
    return plan;
}

Result<ClientPlan> planMigrate(const ClientDescriptor &client, const ClientLocation &location,
                               const ClientFileState &file, const QString &keywardBinary, const SecretFilter &include)
{
    json document;
    std::string text;
    auto started = startPlan(client, location, file, QStringLiteral("migrate"), document, text);
    if (!started)
        return started.error();
    ClientPlan plan = std::move(started).value();

    std::map<std::string, std::vector<const SecretFinding *>> byServer;
    std::set<std::string> unselected;
    for (const SecretFinding &finding : plan.findings) {
        if (include && !include(finding)) {
            unselected.insert(finding.server);
            continue;
        }
        byServer[finding.server].push_back(&finding);
    }
    for (const std::string &server : unselected) {
        if (!byServer.count(server)) {
            plan.notes.append(QStringLiteral("server '%1': no secret of it was selected; left as it is")
                                  .arg(QString::fromStdString(server)));
        }
    }
    const json servers = serversOf(client, document);

    for (const auto &[server, findings] : byServer) {
        const json &entry = servers.at(server);
        const bool onlyEnv = std::all_of(findings.begin(), findings.end(),
                                         [](const SecretFinding *f) { return f->place == SecretPlace::Env; });
        if (!entry.contains("command") || !entry["command"].is_string()) {
            plan.notes.append(QStringLiteral("server '%1' is not started by a command (an HTTP server): its secret stays; "
                                             "move the key into a Keyward service and use /proxy instead")
                                  .arg(QString::fromStdString(server)));
            continue;
        }
        static const QRegularExpression envName(QStringLiteral("^[A-Za-z_][A-Za-z0-9_]{0,127}$"));
        const bool namesUsable = std::all_of(findings.begin(), findings.end(), [](const SecretFinding *f) {
            return envName.match(QString::fromStdString(f->name)).hasMatch();
        });
        if (onlyEnv && !namesUsable) {
            plan.notes.append(QStringLiteral("server '%1' keeps a secret under an environment variable name keyward run "
                                             "cannot set (letters, digits and _ only): left as it is")
                                  .arg(QString::fromStdString(server)));
            continue;
        }
        if (!onlyEnv) {
            plan.notes.append(QStringLiteral("server '%1' has a secret outside \"env\" (in its args, headers or URL): not "
                                             "supported for migration; move it into \"env\" and run migrate again")
                                  .arg(QString::fromStdString(server)));
            continue;
        }
        QStringList command{QString::fromStdString(entry["command"].get<std::string>())};
        if (entry.contains("args")) {
            if (!entry["args"].is_array() ||
                !std::all_of(entry["args"].begin(), entry["args"].end(), [](const json &a) { return a.is_string(); })) {
                plan.notes.append(QStringLiteral("server '%1' has args that are not a list of strings: left as it is")
                                      .arg(QString::fromStdString(server)));
                continue;
            }
            for (const json &arg : entry["args"])
                command.append(QString::fromStdString(arg.get<std::string>()));
        }
        QStringList runArgs{QStringLiteral("run")};
        std::vector<MigratedSecret> moved;
        for (const SecretFinding *finding : findings) {
            MigratedSecret secret;
            secret.ref = refFor(client.id, server, finding->name);
            secret.envVar = QString::fromStdString(finding->name);
            secret.command = command;
            secret.secret = entry["env"][finding->name].get<std::string>();
            secret.server = server;
            runArgs << QStringLiteral("--env") << QStringLiteral("%1=@%2").arg(secret.envVar, secret.ref);
            moved.push_back(std::move(secret));
        }
        runArgs << QStringLiteral("--");
        runArgs += command;

        const KeyPath entryPath = serverPath(client, server);
        json args = json::array();
        for (const QString &arg : runArgs)
            args.push_back(arg.toStdString());
        std::string edited = text;
        KeyPath commandPath = entryPath;
        commandPath.push_back("command");
        KeyPath argsPath = entryPath;
        argsPath.push_back("args");
        auto withCommand = setValue(client.format, edited, commandPath, keywardBinary.toStdString());
        if (!withCommand)
            return editError(file, withCommand.error());
        auto withArgs = setValue(client.format, *withCommand, argsPath, args);
        if (!withArgs)
            return editError(file, withArgs.error());
        edited = *withArgs;
        json env = entry["env"];
        for (const MigratedSecret &secret : moved)
            env.erase(secret.envVar.toStdString());
        KeyPath envPath = entryPath;
        envPath.push_back("env");
        if (env.empty()) {
            auto removed = removeValue(client.format, edited, envPath);
            if (!removed)
                return editError(file, removed.error());
            edited = *removed;
        } else {
            for (const MigratedSecret &secret : moved) {
                KeyPath varPath = envPath;
                varPath.push_back(secret.envVar.toStdString());
                auto removed = removeValue(client.format, edited, varPath);
                if (!removed)
                    return editError(file, removed.error());
                edited = *removed;
            }
        }
        auto after = parseConfig(client.format, edited);
        if (!after)
            return editError(file, after.error());
        const json *newEntry = valueAt(*after, entryPath);
        BackupChange change;
        change.path = entryPath;
        change.kind = BackupChange::Kind::Changed;
        // The entry as it was, with each moved secret as its placeholder (restored from the store on undo).
        change.before = entry;
        for (const MigratedSecret &secret : moved)
            change.before["env"][secret.envVar.toStdString()] = placeholderFor(secret.ref);
        change.afterSha256 = newEntry ? afterHash(*newEntry) : std::string();
        plan.changes.push_back(change);
        plan.secrets.insert(plan.secrets.end(), moved.begin(), moved.end());
        text = edited;
    }
    plan.newBytes = QByteArray::fromStdString(text);
    for (const MigratedSecret &secret : plan.secrets) {
        if (plan.newBytes.contains(QByteArray::fromStdString(secret.secret))) {
            return Error{QStringLiteral("edit_failed"),
                         QStringLiteral("the secret of %1 in server '%2' also appears elsewhere in %3; move it by hand")
                             .arg(secret.envVar, QString::fromStdString(secret.server), file.target)};
        }
    }
    if (plan.secrets.empty() && plan.notes.isEmpty())
        plan.notes.append(QStringLiteral("%1: no plaintext secret to migrate").arg(client.name));
    finishPlan(plan);
    return plan;
}

Result<ClientPlan> planUndo(const ClientDescriptor &client, const ClientLocation &location, const ClientFileState &file,
                            const ClientBackup &backup, const SecretLookup &lookup)
{
    ClientPlan plan;
    plan.client = &client;
    plan.location = location;
    plan.file = file;
    plan.action = QStringLiteral("undo");
    plan.newBytes = file.bytes;
    std::vector<std::string> filled;

    if (file.exists && sha256Hex(file.bytes) == backup.writtenSha256) {
        if (!backup.existed) {
            plan.removeFile = true;
            plan.newBytes.clear();
            plan.notes.append(QStringLiteral("%1 did not exist before Keyward created it: removing it").arg(file.target));
            finishPlan(plan);
            return plan;
        }
        const qsizetype size = file.bytes.size();
        if (backup.windowPrefix + backup.windowSuffix <= size) {
            // Secrets Keyward never moved are still in the file, where the scanner finds them again.
            std::map<QString, std::string> present;
            if (auto current = parseConfig(client.format, toStd(file.bytes))) {
                for (const SecretFinding &finding : scanDocument(client, *current))
                    present.emplace(refFor(client.id, finding.server, finding.name), finding.secret);
            }
            json window = backup.redactedWindow.toStdString();
            auto restored = fillPlaceholders(window, backup.secrets, lookup, filled, present);
            if (restored) {
                const QByteArray original = file.bytes.left(backup.windowPrefix) +
                                            QByteArray::fromStdString(restored->get<std::string>()) +
                                            file.bytes.right(backup.windowSuffix);
                if (sha256Hex(original) == backup.originalSha256) {
                    plan.newBytes = original;
                    plan.notes.append(QStringLiteral("%1 is as Keyward wrote it: restoring the original bytes").arg(file.target));
                    finishPlan(plan, filled);
                    return plan;
                }
            } else if (restored.error().code != QLatin1String("undo_incomplete")) {
                return restored.error();
            }
        }
    }

    // The file was edited since: take back only Keyward's own changes, newest first.
    if (!file.exists) {
        plan.notes.append(QStringLiteral("%1 no longer exists: nothing to undo").arg(file.target));
        finishPlan(plan);
        return plan;
    }
    std::string text = toStd(file.bytes);
    auto parsed = parseFile(client, file, text);
    if (!parsed)
        return parsed.error();
    for (auto change = backup.changes.rbegin(); change != backup.changes.rend(); ++change) {
        auto current = parseConfig(client.format, text);
        if (!current)
            return editError(file, current.error());
        const json *value = valueAt(*current, change->path);
        const QString where = pathText(change->path);
        if (!value) {
            plan.notes.append(QStringLiteral("%1 is gone already").arg(where));
            continue;
        }
        if (afterHash(*value) != change->afterSha256) {
            plan.notes.append(QStringLiteral("%1 was edited since Keyward changed it: left as it is").arg(where));
            continue;
        }
        Result<std::string> edited = std::string();
        if (change->kind == BackupChange::Kind::Added) {
            edited = removeValue(client.format, text, change->path);
            plan.notes.append(QStringLiteral("removing %1, which Keyward added").arg(where));
        } else {
            auto before = fillPlaceholders(change->before, backup.secrets, lookup, filled);
            if (!before)
                return before.error();
            edited = setValue(client.format, text, change->path, *before);
            plan.notes.append(QStringLiteral("restoring %1 as it was before Keyward rewrote it").arg(where));
        }
        if (!edited)
            return editError(file, edited.error());
        text = *edited;
    }
    plan.newBytes = QByteArray::fromStdString(text);
    plan.findings = scanDocument(client, *parsed);
    finishPlan(plan, filled);
    return plan;
}

Result<ClientBackup> makeBackup(const ClientPlan &plan)
{
    ClientBackup backup;
    backup.client = plan.client->id;
    backup.action = plan.action;
    backup.path = plan.file.path;
    backup.target = plan.file.target;
    backup.existed = plan.file.exists;
    backup.originalSha256 = sha256Hex(plan.file.bytes);
    backup.writtenSha256 = sha256Hex(plan.newBytes);
    backup.changes = plan.changes;

    std::vector<SecretPlaceholder> mapping;
    std::set<std::string> seen;
    for (const SecretFinding &finding : plan.findings) {
        if (!seen.insert(finding.secret).second)
            continue;
        const QString ref = refFor(plan.client->id, finding.server, finding.name);
        const bool stored = std::any_of(plan.secrets.begin(), plan.secrets.end(),
                                        [&](const MigratedSecret &s) { return s.ref == ref; });
        backup.secrets.push_back({placeholderFor(ref), ref, stored});
        mapping.push_back({finding.secret, placeholderFor(ref)});
    }
    // A migrated env value may hold more than its detected secret ("Bearer <key>"): hide it whole.
    for (const MigratedSecret &secret : plan.secrets) {
        if (seen.insert(secret.secret).second)
            mapping.push_back({secret.secret, placeholderFor(secret.ref)});
    }
    backup.redactedOriginal = replaceAgentTokens(redactSecrets(plan.file.bytes, mapping), kAgentTokenPlaceholder);

    // The window where original and written bytes differ, widened to whole secrets.
    const QByteArray &original = plan.file.bytes;
    const QByteArray &written = plan.newBytes;
    qsizetype prefix = 0;
    const qsizetype shorter = std::min(original.size(), written.size());
    while (prefix < shorter && original[prefix] == written[prefix])
        ++prefix;
    qsizetype suffix = 0;
    while (suffix < shorter - prefix && original[original.size() - 1 - suffix] == written[written.size() - 1 - suffix])
        ++suffix;
    for (const SecretPlaceholder &item : mapping) {
        const QByteArray raw = QByteArray::fromStdString(item.secret);
        const std::string dumped = json(item.secret).dump();
        for (const QByteArray &form : {raw, QByteArray::fromStdString(dumped.substr(1, dumped.size() - 2))}) {
            for (qsizetype at = original.indexOf(form); at >= 0; at = original.indexOf(form, at + 1)) {
                const qsizetype end = at + form.size();
                if (end > prefix && at < original.size() - suffix) {
                    prefix = std::min(prefix, at);
                    suffix = std::min(suffix, original.size() - end);
                }
            }
        }
    }
    backup.windowPrefix = prefix;
    backup.windowSuffix = suffix;
    backup.redactedWindow =
        replaceAgentTokens(redactSecrets(original.mid(prefix, original.size() - prefix - suffix), mapping), kAgentTokenPlaceholder);

    for (const SecretPlaceholder &item : mapping) {
        const QByteArray raw = QByteArray::fromStdString(item.secret);
        if (backup.redactedOriginal.contains(raw) || backup.redactedWindow.contains(raw)) {
            return Error{QStringLiteral("backup_failed"),
                         QStringLiteral("a secret in %1 could not be hidden in the backup; nothing was changed").arg(plan.file.target)};
        }
    }
    return backup;
}

Result<void> applyPlan(const ClientPlan &plan)
{
    if (plan.removeFile)
        return removeClientFile(plan.file);
    return replaceClientFile(plan.file, plan.newBytes);
}

} // namespace keyward::clients
